package dev.livehub.hub;

import java.time.Duration;

/**
 * How the hub treats connections; engine-independent.
 *
 * @param maxConnectionsPerUser open streams one user may hold on one node; a denial-of-service guard
 * @param outboxSize events queued for one connection; a client that lets it fill is disconnected and resumes later
 * @param heartbeat interval of the {@code : ping} comment that keeps proxies open and finds dead peers
 * @param retry the {@code retry:} sent on connect, in ms; each connection gets up to 20% more, so reconnects spread
 * @param streamLifetime a stream is ended after about this long (with 10% jitter) so the browser reconnects and load
 *        rebalances over the nodes
 * @param catchUpPage entries read from the engine per round trip when a client catches up
 * @param compactAbove a client that asked for compaction and is more than this many entries behind gets its backlog
 *        folded ({@link Compaction}); 0 folds any backlog
 */
public record HubSettings(int maxConnectionsPerUser, int outboxSize, Duration heartbeat, Duration retry,
        Duration streamLifetime, int catchUpPage, int compactAbove) {

    /** The default for {@code compactAbove}: below it, a replay is as quick as its compaction. */
    public static final int COMPACT_ABOVE = 50;

    public HubSettings {
        if (maxConnectionsPerUser < 1 || outboxSize < 1 || catchUpPage < 1) {
            throw new IllegalArgumentException("connection limits, outbox size and catch-up page must be positive");
        }
        if (compactAbove < 0) {
            throw new IllegalArgumentException("hub.compact-above must be 0 or more, got " + compactAbove);
        }
        if (heartbeat.isNegative() || heartbeat.isZero()) {
            throw new IllegalArgumentException("hub.heartbeat must be positive, got " + heartbeat);
        }
    }

    public HubSettings(int maxConnectionsPerUser, int outboxSize, Duration heartbeat, Duration retry,
            Duration streamLifetime, int catchUpPage) {
        this(maxConnectionsPerUser, outboxSize, heartbeat, retry, streamLifetime, catchUpPage, COMPACT_ABOVE);
    }

    public static HubSettings defaults() {
        return new HubSettings(16, 1000, Duration.ofSeconds(15), Duration.ofMillis(5000), Duration.ofMinutes(30), 500);
    }
}
