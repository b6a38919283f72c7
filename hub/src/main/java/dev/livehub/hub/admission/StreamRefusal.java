package dev.livehub.hub.admission;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;

/**
 * A stream or poll that is not served: its HTTP status, a stable error code and a sentence for people, rendered by
 * every transport as {@code {"error":"<code>","message":"<sentence>"}} ({@link RefusalBody}), with
 * {@code Retry-After} when {@link #retryAfterSeconds()} is positive.
 */
public final class StreamRefusal extends RuntimeException {

    /** A store failure is logged at warn at most once in this long; the others at debug (and all in the metric). */
    private static final long STORE_WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** When a store failure was last logged at warn (System.nanoTime), shared by every transport. */
    private static final AtomicLong storeWarnedAt = new AtomicLong(System.nanoTime() - STORE_WARN_INTERVAL_NANOS);

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

    /**
     * 400 {@code bad_query}: the query string cannot be decoded (a {@code %} not followed by two hex digits, escapes
     * that are not UTF-8; RFC 3986 section 2.1). The same on every transport.
     */
    public static StreamRefusal badQuery() {
        return new StreamRefusal(400, "bad_query", "the query string cannot be decoded: each % is followed by two hex "
                + "digits, and the escaped bytes are UTF-8", 0);
    }

    /**
     * 503 {@code store_unavailable} with {@code Retry-After: 5}: the session store or the event store (Redis) failed
     * or timed out. The same on every transport; EventSource and {@code app-stream.js} retry on their own.
     *
     * @param store what failed, for people: "session store", "event store"
     */
    public static StreamRefusal storeUnavailable(String store) {
        return new StreamRefusal(503, "store_unavailable", "the " + store + " is unavailable; retry shortly", 5);
    }

    /**
     * Whether {@code failure} comes from a store the hub reads (Redis through Lettuce, Spring Data or Spring Session):
     * one of its causes is a Spring {@code DataAccessException} or a Lettuce {@code RedisException}, matched by name
     * so that neither library is needed.
     */
    public static boolean isStoreFailure(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            for (Class<?> type = cause.getClass(); type != null; type = type.getSuperclass()) {
                String name = type.getName();
                if (name.equals("org.springframework.dao.DataAccessException")
                        || name.equals("io.lettuce.core.RedisException")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * What a transport answers when opening a stream or a poll failed with {@code failure}: a refusal as it is; a
     * store's failure (the session was being read from Redis, say) as 503 {@code store_unavailable}, logged at warn
     * at most once per 10 s (a burst of them is one line; the client retries, and the metric
     * {@code hub.streams.refused} counts each), else at debug; anything else as 500 {@code internal}, logged at warn
     * with its cause, never the container's error page.
     *
     * @param what the request, for the log: {@code GET /stream/app}
     */
    public static StreamRefusal of(RuntimeException failure, String what, Logger log) {
        if (failure instanceof StreamRefusal refusal) {
            return refusal;
        }
        if (isStoreFailure(failure)) {
            long now = System.nanoTime();
            long last = storeWarnedAt.get();
            if (now - last >= STORE_WARN_INTERVAL_NANOS && storeWarnedAt.compareAndSet(last, now)) {
                log.warn("{}: the session store failed, answered 503 store_unavailable (clients retry; logged at most "
                        + "once per 10 s, each one counted in hub.streams.refused): {}", what, failure.toString());
            }
            else {
                log.debug("{}: the session store failed: {}", what, failure.toString());
            }
            return storeUnavailable("session store");
        }
        log.warn("{} failed unexpectedly", what, failure);
        return new StreamRefusal(500, "internal", "the hub could not answer this request; try again", 0);
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
