package dev.livehub.ops;

/** A failure hubctl reports as one sentence with its exit code. */
final class HubctlException extends RuntimeException {

    private final int exitCode;

    HubctlException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
