package dev.livehub.hub.engine;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a node logs a Redis outage: one line when live delivery pauses, one per interval while Redis stays away (with
 * the latest reason: Lettuce's last failed reconnect, else the last failed resubscribe), and one when live delivery is
 * back, with how long it was down. Lettuce's own watchdog warns on every reconnect attempt of every connection (about
 * every second each); applications can turn that logger down and read these lines instead. Thread-safe.
 */
final class RedisOutageLog {

    private static final Logger log = LoggerFactory.getLogger(RedisEngine.class);

    private final long intervalNanos;

    private long startedAt;

    private long lastLogged;

    private boolean down;

    private String reconnectFailure;

    private String commandFailure;

    RedisOutageLog(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    synchronized void started() {
        down = true;
        startedAt = System.nanoTime();
        lastLogged = startedAt;
        reconnectFailure = null;
        commandFailure = null;
        log.warn("A Redis connection dropped; live delivery paused until every bell is subscribed again");
    }

    /** A reconnect Lettuce tried failed (its connection-refused or timeout message). */
    synchronized void reconnectFailed(String reason) {
        reconnectFailure = reason;
    }

    /** An attempt to subscribe the bells again failed; logs that Redis is still away when an interval has passed. */
    synchronized void stillDown(String reason) {
        commandFailure = reason;
        long now = System.nanoTime();
        if (down && now - lastLogged >= intervalNanos) {
            lastLogged = now;
            log.warn("Redis still unreachable after {} s ({}); live delivery paused, reconnecting about every second. "
                    + "Logged at most once per {} s", seconds(now - startedAt),
                    reconnectFailure != null ? reconnectFailure : commandFailure, seconds(intervalNanos));
        }
    }

    synchronized void ended(int bells) {
        log.info("Live delivery restored after {} s; {} bells subscribed, catching up",
                down ? seconds(System.nanoTime() - startedAt) : 0, bells);
        down = false;
    }

    private static long seconds(long nanos) {
        return Math.round(nanos / 1e9);
    }
}
