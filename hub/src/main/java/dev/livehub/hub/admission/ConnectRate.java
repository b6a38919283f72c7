package dev.livehub.hub.admission;

import java.util.concurrent.ConcurrentHashMap;

/**
 * How often one user may open a stream on this node: a token bucket per user, {@code burst} opens at once and
 * {@code perSecond} more every second. A page reconnecting in a tight loop is answered 429 with {@code Retry-After}
 * instead of being served a thousand times a second; a browser restoring 16 tabs at once is not.
 */
public final class ConnectRate {

    private static final int MAX_TRACKED_USERS = 100_000;

    private final double burst;

    private final double perNano;

    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    private static final class Bucket {

        double tokens;

        long updated;

        Bucket(double tokens, long updated) {
            this.tokens = tokens;
            this.updated = updated;
        }
    }

    public ConnectRate(int burst, double perSecond) {
        if (burst < 1 || perSecond <= 0) {
            throw new IllegalArgumentException("hub.connect-rate needs a burst of at least 1 and a positive rate");
        }
        this.burst = burst;
        this.perNano = perSecond / 1e9;
    }

    /**
     * Takes one open from the user's bucket.
     *
     * @return 0 when allowed, else the seconds until the next open is allowed
     */
    public long acquire(String user) {
        long now = System.nanoTime();
        if (buckets.size() > MAX_TRACKED_USERS) {
            // Full buckets carry no state worth keeping.
            buckets.values().removeIf(bucket -> refill(bucket, now) >= burst);
        }
        Bucket bucket = buckets.computeIfAbsent(user, key -> new Bucket(burst, now));
        synchronized (bucket) {
            double tokens = refill(bucket, now);
            if (tokens >= 1) {
                bucket.tokens = tokens - 1;
                bucket.updated = now;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) / perNano / 1e9);
        }
    }

    private double refill(Bucket bucket, long now) {
        return Math.min(burst, bucket.tokens + (now - bucket.updated) * perNano);
    }
}
