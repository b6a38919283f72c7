package dev.livehub.hub.admission;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.livehub.hub.Connection;

/**
 * Ends the streams a session opened when the session ends, with {@code event: auth-expired}. An open stream does not
 * touch its session again (it is saved when the first dispatch ends), so without this a stream would outlive a logout
 * or an expiry by up to its lifetime.
 *
 * <p>Two ways to learn that a session ended: the servlet container's session events (sessions held by the
 * container: at once on logout, at the container's expiry sweep otherwise; the auto-configuration relays them to
 * {@link #endSession}), and, for sessions in a shared store such
 * as Spring Session's Redis, a periodic {@link SessionCheck} of every session with open streams on this node. The
 * check is what reaches every node: a logout on one node ends the user's streams on all of them within one interval.
 */
public final class SessionStreams implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SessionStreams.class);

    /** Whether a session still exists in its store. */
    @FunctionalInterface
    public interface SessionCheck {

        boolean exists(String sessionId);
    }

    private final Map<String, Set<Connection>> bySession = new ConcurrentHashMap<>();

    private final SessionCheck check;

    private final ScheduledExecutorService sweeper;

    /**
     * @param check how to tell that a session still exists, or {@code null} to rely on the container's events only
     * @param interval how often the sessions of open streams are checked
     */
    public SessionStreams(SessionCheck check, Duration interval) {
        this.check = check;
        if (check == null) {
            this.sweeper = null;
            return;
        }
        this.sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("hub-session-check").factory());
        sweeper.scheduleWithFixedDelay(this::sweep, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Remembers that {@code connection} was opened with {@code sessionId}, until the connection ends. */
    public void track(String sessionId, Connection connection) {
        bySession.computeIfAbsent(sessionId, id -> ConcurrentHashMap.newKeySet()).add(connection);
    }

    public void untrack(String sessionId, Connection connection) {
        bySession.computeIfPresent(sessionId, (id, connections) -> {
            connections.remove(connection);
            return connections.isEmpty() ? null : connections;
        });
    }

    /**
     * Ends every stream on this node opened with the session.
     *
     * @return how many streams were ended
     */
    public int endSession(String sessionId, String reason) {
        Set<Connection> connections = bySession.remove(sessionId);
        if (connections == null) {
            return 0;
        }
        connections.forEach(connection -> connection.endAuthentication(reason));
        log.info("Session ended ({}): {} streams of user {} ended with auth-expired", reason, connections.size(),
                connections.iterator().next().user());
        return connections.size();
    }

    /** Checks every session with open streams here; ends the streams of those that no longer exist. */
    void sweep() {
        for (String sessionId : List.copyOf(bySession.keySet())) {
            boolean exists;
            try {
                exists = check.exists(sessionId);
            }
            catch (RuntimeException ex) {
                // The session store is unreachable: keep the streams, and look again at the next sweep.
                log.debug("Checking sessions failed ({}); trying again at the next sweep", ex.getMessage());
                return;
            }
            if (!exists) {
                endSession(sessionId, "session-ended");
            }
        }
    }

    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }
}
