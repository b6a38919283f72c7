package dev.livehub.hub.engine;

import java.time.Duration;

/**
 * How streams are kept, the same for every engine.
 *
 * @param maxEntries entries kept per user stream; older ones are trimmed (Redis trims approximately, by whole nodes)
 * @param retention a stream nobody published to for this long is removed
 * @param dedupeWindow how long a publish id is remembered, so a retried publish is appended once
 */
public record StreamSettings(int maxEntries, Duration retention, Duration dedupeWindow) {

    public StreamSettings {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("hub.stream.max-entries must be at least 1, got " + maxEntries);
        }
        if (retention.isNegative() || retention.isZero()) {
            throw new IllegalArgumentException("hub.stream.retention must be positive, got " + retention);
        }
    }

    public static StreamSettings defaults() {
        return new StreamSettings(1000, Duration.ofDays(1), Duration.ofMinutes(2));
    }
}
