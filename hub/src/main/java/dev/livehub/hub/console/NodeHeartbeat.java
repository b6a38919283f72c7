package dev.livehub.hub.console;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import dev.livehub.hub.Hub;
import dev.livehub.hub.engine.Engine;
import dev.livehub.hub.engine.StreamSettings;

/**
 * This node's heartbeat in the store ({@code <prefix>:node:<name>} in Redis, expiring after three intervals): its
 * name, open streams and users, Redis links, live delivery, draining, and the stream settings it appends with, so that
 * any node's console shows the whole cluster and {@code hubctl} appends as the nodes do. Beside it, each user's open
 * streams on this node (up to 10,000 users; {@code <prefix>:node-users:<name>}), for the console to count a user's
 * streams on every node. A node that stops or dies drops out within three intervals. A heartbeat the store refuses is
 * skipped (logged once per outage).
 */
public final class NodeHeartbeat implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeHeartbeat.class);

    /** Up to this many users with open streams, the heartbeat lists each one's count ({@code userStreams}). */
    static final int MAX_REPORTED_USERS = 10_000;

    private final String name;

    private final Hub hub;

    private final Engine engine;

    private final StreamSettings settings;

    private final Duration interval;

    private final JsonMapper json = JsonMapper.shared();

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("hub-heartbeat").factory());

    private volatile boolean failing;

    /**
     * Whether the users' streams were stored at the last report ({@code false}: past {@link #MAX_REPORTED_USERS},
     * left out). Written by the timer's thread only.
     */
    private volatile boolean usersListed;

    /** {@link Hub#streamChanges()} when the users' streams were last stored; -1: never. The timer's thread only. */
    private long reportedAt = -1;

    public NodeHeartbeat(String name, Hub hub, Engine engine, StreamSettings settings, Duration interval) {
        this.name = name;
        this.hub = hub;
        this.engine = engine;
        this.settings = settings;
        this.interval = interval;
    }

    /** Reports now, then every interval. */
    public void start() {
        timer.scheduleWithFixedDelay(this::report, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public String name() {
        return name;
    }

    /** What this node reports, as a map (the JSON document's fields), with {@code usersListed} as last reported. */
    public Map<String, Object> figures() {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("name", name);
        // hub-node:<pid>:<host> names this node's Redis connections (CLIENT LIST, hubctl stats): the pid matches them.
        figures.put("pid", ProcessHandle.current().pid());
        figures.put("streams", hub.connectionCount());
        figures.put("users", hub.userCount());
        figures.put("links", engine.links());
        figures.put("live", hub.isLive());
        figures.put("draining", hub.isDraining());
        // Whether <prefix>:node-users:<name> has each user's open streams here (StreamAdmin#nodeUsers).
        figures.put("usersListed", usersListed);
        figures.put("maxEntries", settings.maxEntries());
        figures.put("retentionMs", settings.retention().toMillis());
        figures.put("dedupeWindowMs", settings.dedupeWindow().toMillis());
        figures.put("updated", System.currentTimeMillis());
        return figures;
    }

    /**
     * Open streams per user on this node; {@code null} (not listed) past {@link #MAX_REPORTED_USERS} users, where
     * the document would grow too large.
     */
    Map<String, Integer> userStreams() {
        if (hub.userCount() > MAX_REPORTED_USERS) {
            return null;
        }
        Map<String, Integer> counts = new TreeMap<>();
        hub.connections().forEach(connection -> counts.merge(connection.user(), 1, Integer::sum));
        return counts.size() > MAX_REPORTED_USERS ? null : counts;
    }

    /**
     * Stores {@link #userStreams()} when streams opened or closed here since it was last stored, or when the store lost
     * it; otherwise only gives it a new expiry. The heartbeat showed in the session streams' p99 at 5,000 users
     * ({@code loadtest/bench steady-sessions}, direct, runs alternated): 1.35-1.86 ms with it against 1.11-1.49 ms with
     * it off, six pairs, when each heartbeat counted every user's streams again and stored them inside its document
     * (about 120 KB); 1.23-1.29 ms against 1.05-1.22 ms, three pairs, with the counts kept between heartbeats and still
     * stored every time. Sets {@link #usersListed}, which the document then says.
     */
    private void reportUsers(Duration ttl) {
        long changes = hub.streamChanges();
        if (changes == reportedAt && (!usersListed || engine.admin().keepNodeUsers(name, ttl))) {
            return;
        }
        Map<String, Integer> counts = userStreams();
        if (counts != null) {
            engine.admin().reportNodeUsers(name, json.writeValueAsString(counts), ttl);
        }
        usersListed = counts != null;
        reportedAt = changes;
    }

    void report() {
        try {
            Duration ttl = interval.multipliedBy(3);
            reportUsers(ttl);
            engine.admin().reportNode(name, json.writeValueAsString(figures()), ttl);
            if (failing) {
                failing = false;
                log.info("Node heartbeat of {} stored again", name);
            }
        }
        catch (RuntimeException ex) {
            if (!failing) {
                failing = true;
                log.warn("Node heartbeat of {} not stored ({}); the console and hubctl miss this node until it is",
                        name, ex.getMessage());
            }
        }
    }

    /**
     * Stops reporting and removes this node's heartbeat, so the console and hubctl stop listing it at once (a clean
     * stop), not three intervals later. Called before the engine closes; a store that refuses is left to expire it.
     */
    public void leave() {
        timer.shutdownNow();
        try {
            engine.admin().forgetNode(name);
        }
        catch (RuntimeException ex) {
            log.debug("Heartbeat of {} left to expire ({})", name, ex.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
