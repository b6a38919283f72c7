package dev.livehub.hub.admission;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
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
import dev.livehub.hub.Hub;

/**
 * Ends the streams a session opened when the session ends, with {@code event: auth-expired}. An open stream does not
 * touch its session again (it is saved when the first dispatch ends), so without this a stream would outlive a logout
 * or an expiry by up to its lifetime.
 *
 * <p>Two ways to learn that a session ended: the servlet container's session events (sessions held by the
 * container: at once on logout, at the container's expiry sweep otherwise; the auto-configuration relays them to
 * {@link #endSession}), and, for sessions in a shared store such
 * as Spring Session's Redis, a periodic {@link SessionCheck} of every session with open streams on this node. The
 * check is what reaches every node when nothing else does.
 *
 * <p>A session ended by a request (a sign-out, a sign-in that changes the session id) is ended on every node at once
 * too: the node that served it {@linkplain Hub#broadcast broadcasts} it (on Redis, over the pub/sub connection each
 * node holds anyway), and every node ends the streams it has of that session. The message names the session by a
 * SHA-256 of its id, never the id itself. A node that misses the message (its Redis connection down at that moment)
 * still finds the session gone at its next check.
 *
 * <p>A stream admitted while its session ends (its session read just before a sign-out deleted it, tracked just after
 * the sign-out ended the session's streams) is not missed: a session ended here or on another node is remembered
 * for {@link #ENDED_MEMORY}, and a stream {@linkplain #track tracked} with it in that time ends at once with
 * {@code auth-expired}, as if it had opened a moment earlier.
 */
public final class SessionStreams implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SessionStreams.class);

    /** Whether sessions still exist in their store. */
    @FunctionalInterface
    public interface SessionCheck {

        /** Whether the session exists (not ended, not expired). */
        boolean exists(String sessionId);

        /**
         * Which of {@code sessionIds} no longer exist: by default {@link #exists} of each in turn. A store that can
         * answer many at once (Redis: {@code EXISTS} per key, pipelined) overrides it, so that a node with thousands
         * of signed-in streams does not read and deserialize every session each sweep.
         *
         * @throws RuntimeException when the store cannot be asked (the sweep keeps every stream and tries again)
         */
        default Set<String> gone(Collection<String> sessionIds) {
            Set<String> gone = new HashSet<>();
            for (String sessionId : sessionIds) {
                if (!exists(sessionId)) {
                    gone.add(sessionId);
                }
            }
            return gone;
        }
    }

    /** The topic of {@link Hub#broadcast}: {@code <reason> <sha-256 of the session id, hex>}. */
    static final String TOPIC = "session-ended";

    private final Map<String, Set<Connection>> bySession = new ConcurrentHashMap<>();

    /** The ids of {@link #bySession} by their SHA-256, for what other nodes broadcast. */
    private final Map<String, String> byDigest = new ConcurrentHashMap<>();

    /** How long an ended session is remembered for streams admitted while it ended; the check finds any later. */
    static final Duration ENDED_MEMORY = Duration.ofMinutes(1);

    /** Sessions ended within {@link #ENDED_MEMORY}, by their SHA-256: why, and when ({@link System#nanoTime}). */
    private final Map<String, Ended> ended = new ConcurrentHashMap<>();

    private record Ended(String reason, long atNanos) {
    }

    private final Hub hub;

    private final SessionCheck check;

    private final ScheduledExecutorService sweeper;

    /**
     * The sweep is spread over its interval: each tick checks the sessions of one slice (by the session id's hash),
     * and every session is checked once an interval. Checking 5,000 sessions at once every 20 s (5,000 pipelined
     * {@code EXISTS} and their replies, on a node that is also delivering) delayed the events of that moment: 100 to
     * 200 of them by 1 to 20 ms each time, most of the p99 difference between session streams and Nchan in
     * {@code loadtest/bench steady-sessions} (1.6-1.8 ms; 0.88 and 1.07 ms with the check off; Nchan 0.79-0.96 ms).
     */
    private final int slices;

    /** The slice the next tick checks; only the sweeper thread touches it. */
    private int slice;

    /**
     * @param check how to tell that a session still exists, or {@code null} to rely on the container's events only
     * @param interval how often the sessions of open streams are checked
     */
    public SessionStreams(SessionCheck check, Duration interval) {
        this(check, interval, null);
    }

    /**
     * @param check how to tell that a session still exists, or {@code null} to rely on the container's events only
     * @param interval how often the sessions of open streams are checked
     * @param hub the hub whose nodes are told of each session ended here, and tell this one; {@code null}: none
     */
    public SessionStreams(SessionCheck check, Duration interval, Hub hub) {
        this.check = check;
        this.hub = hub;
        this.slices = slices(interval);
        if (hub != null) {
            hub.onBroadcast(TOPIC, this::heard);
        }
        if (check == null) {
            this.sweeper = null;
            return;
        }
        this.sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("hub-session-check").factory());
        long tick = interval.toMillis() / slices;
        sweeper.scheduleWithFixedDelay(this::sweepSlice, tick, tick, TimeUnit.MILLISECONDS);
    }

    /**
     * Slices of a sweep: one per 250 ms of the interval, at least 1 and at most 20 (so ticks are at least 250 ms apart;
     * at the default 20 s, one a second).
     */
    static int slices(Duration interval) {
        return (int) Math.clamp(interval.toMillis() / 250, 1, 20);
    }

    /**
     * Remembers that {@code connection} was opened with {@code sessionId}, until the connection ends; or, when that
     * session ended within {@link #ENDED_MEMORY} (here or on another node), ends the connection at once with
     * {@code auth-expired}.
     */
    public void track(String sessionId, Connection connection) {
        String digest = digest(sessionId);
        bySession.compute(sessionId, (id, connections) -> {
            Set<Connection> set = connections != null ? connections : ConcurrentHashMap.newKeySet();
            set.add(connection);
            byDigest.put(digest, id);
            return set;
        });
        // After the compute: an end that comes later finds the connection in bySession, one that came before is here.
        Ended end = ended.get(digest);
        if (end != null && System.nanoTime() - end.atNanos() < ENDED_MEMORY.toNanos()) {
            untrack(sessionId, connection);
            connection.endAuthentication(end.reason());
            log.info("Session ended ({}) while a stream of user {} was admitted: ended with auth-expired",
                    end.reason(), connection.user());
        }
    }

    /**
     * The user of a session that has a stream open on this node and that its store still has, or {@code null}: the
     * session was found signed in when that stream opened, nothing has ended it here since (a sign-out on any node,
     * the container's events, the check), and the store still has it ({@link SessionCheck#exists}: on Redis one
     * {@code EXISTS}, not a read). A further stream of the same session (the next page, another tab) may be admitted on
     * that without reading and deserializing the session again, which was most of what opening a session stream
     * cost. {@code null} too when there is no check, or when the store cannot be asked: the caller reads the session.
     *
     * <p>Thread-safe; a lookup in a concurrent map, then the check on the calling thread.
     */
    public String userOf(String sessionId) {
        Set<Connection> connections = bySession.get(sessionId);
        if (connections == null || check == null) {
            return null;
        }
        Iterator<Connection> first = connections.iterator();
        if (!first.hasNext()) {
            return null;
        }
        String user = first.next().user();
        try {
            return check.exists(sessionId) ? user : null;
        }
        catch (RuntimeException ex) {
            log.debug("Checking session of user {} failed ({}); reading it instead", user, ex.getMessage());
            return null;
        }
    }

    public void untrack(String sessionId, Connection connection) {
        bySession.computeIfPresent(sessionId, (id, connections) -> {
            connections.remove(connection);
            if (connections.isEmpty()) {
                byDigest.remove(digest(id));
                return null;
            }
            return connections;
        });
    }

    /**
     * Ends every stream opened with the session, on this node at once, and tells every other node to do the same.
     *
     * @param reason a word ({@code signed-out}, {@code session-ended}), for the logs
     * @return how many streams were ended on this node
     */
    public int endSession(String sessionId, String reason) {
        String digest = digest(sessionId);
        remember(digest, reason);
        int ended = endHere(sessionId, reason);
        if (hub != null) {
            hub.broadcast(TOPIC, reason + " " + digest);
        }
        return ended;
    }

    /** What another node broadcast: {@code <reason> <digest>}. Runs on the engine's I/O thread. */
    private void heard(String message) {
        int space = message.indexOf(' ');
        if (space < 0) {
            return;
        }
        String reason = message.substring(0, space);
        String digest = message.substring(space + 1);
        remember(digest, reason);
        String sessionId = byDigest.get(digest);
        if (sessionId != null) {
            endHere(sessionId, reason);
        }
    }

    private int endHere(String sessionId, String reason) {
        Set<Connection> connections = bySession.remove(sessionId);
        if (connections == null) {
            return 0;
        }
        byDigest.remove(digest(sessionId));
        connections.forEach(connection -> connection.endAuthentication(reason));
        log.info("Session ended ({}): {} streams of user {} ended with auth-expired", reason, connections.size(),
                connections.iterator().next().user());
        return connections.size();
    }

    /** Remembers an ended session (before its streams are ended, see {@link #track}); forgets the old ones. */
    private void remember(String digest, String reason) {
        long now = System.nanoTime();
        ended.values().removeIf(end -> now - end.atNanos() >= ENDED_MEMORY.toNanos());
        ended.put(digest, new Ended(reason, now));
    }

    /** Checks the sessions of the next slice; ends the streams of those that no longer exist. */
    private void sweepSlice() {
        int current = slice;
        slice = (slice + 1) % slices;
        check(bySession.keySet().stream().filter(id -> Math.floorMod(id.hashCode(), slices) == current).toList());
    }

    private void check(List<String> sessionIds) {
        if (sessionIds.isEmpty()) {
            return;
        }
        Set<String> gone;
        try {
            gone = check.gone(sessionIds);
        }
        catch (RuntimeException ex) {
            // The session store is unreachable: keep the streams, and look again at the next sweep.
            log.debug("Checking sessions failed ({}); trying again at the next sweep", ex.getMessage());
            return;
        }
        gone.forEach(sessionId -> endHere(sessionId, "session-ended"));
    }

    private static String digest(String sessionId) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(sessionId.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("every JDK has SHA-256", ex);
        }
    }

    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }
}
