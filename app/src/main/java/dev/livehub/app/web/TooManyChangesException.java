package dev.livehub.app.web;

/** A user made more changes than {@link ChangeRate} allows; answered 429 with {@code Retry-After}. */
public class TooManyChangesException extends RuntimeException {

    private final long retryAfterSeconds;

    TooManyChangesException(long retryAfterSeconds) {
        super("You are making changes too quickly. Wait " + retryAfterSeconds + " s, then try again.");
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
