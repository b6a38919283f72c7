package dev.livehub.hub.admission;

/**
 * A stream or poll that is not served: its HTTP status, a stable error code and a sentence for people, rendered by
 * every transport as {@code {"error":"<code>","message":"<sentence>"}} ({@link RefusalBody}), with
 * {@code Retry-After} when {@link #retryAfterSeconds()} is positive.
 */
public final class StreamRefusal extends RuntimeException {

    private final int status;

    private final String code;

    private final long retryAfterSeconds;

    public StreamRefusal(int status, String code, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static StreamRefusal of(int status, String code, String message) {
        return new StreamRefusal(status, code, message, 0);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** Seconds a client should wait before it tries again; 0 when the header is not sent. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The JSON body. */
    public String body() {
        return RefusalBody.of(code, getMessage());
    }
}
