package dev.livehub.ops;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;

import dev.livehub.hub.EventId;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.engine.RedisEngine;
import dev.livehub.hub.engine.RedisKeys;
import dev.livehub.hub.engine.StreamSettings;

/**
 * The Redis that hubctl operates on: key names from {@link RedisKeys}, appends through {@link RedisEngine} (the
 * hub's own script, so live browsers are told), reads and scans with plain commands. On a Redis Cluster, scans visit
 * every master.
 */
final class Store implements AutoCloseable {

    private final String uri;

    private final RedisKeys keys;

    private final RedisClient client;

    private final RedisClusterClient clusterClient;

    private final StatefulRedisConnection<String, String> connection;

    private final StatefulRedisClusterConnection<String, String> clusterConnection;

    private Store(String uri, boolean cluster, String prefix) {
        this.uri = uri;
        this.keys = new RedisKeys(prefix);
        RedisURI redisUri;
        try {
            redisUri = RedisURI.create(uri);
        }
        catch (IllegalArgumentException ex) {
            throw new HubctlException(2, "--redis " + uri + " is not a Redis URL (redis://host:port): "
                    + ex.getMessage());
        }
        redisUri.setTimeout(Duration.ofSeconds(10));
        try {
            if (cluster) {
                clusterClient = RedisClusterClient.create(redisUri);
                clusterConnection = clusterClient.connect();
                client = null;
                connection = null;
            }
            else {
                client = RedisClient.create(redisUri);
                connection = client.connect();
                clusterClient = null;
                clusterConnection = null;
                // One node of a Redis Cluster holds only its own slots' streams: counts would be a part, and reads of
                // other slots fail with MOVED. Said at once, not left to be found in the figures.
                if (connection.sync().info("cluster").contains("cluster_enabled:1")) {
                    connection.close();
                    client.shutdown();
                    throw new HubctlException(2, "Redis at " + uri + " is a node of a Redis Cluster: add --cluster");
                }
            }
        }
        catch (RedisConnectionException ex) {
            throw new HubctlException(Hubctl.UNREACHABLE, "cannot reach Redis at " + uri + ": "
                    + rootMessage(ex));
        }
    }

    static Store open(String uri, boolean cluster, String prefix) {
        return new Store(uri, cluster, prefix);
    }

    RedisKeys keys() {
        return keys;
    }

    /** Commands on a standalone Redis, or routed by key on a cluster. */
    io.lettuce.core.cluster.api.sync.RedisClusterCommands<String, String> commands() {
        return clusterConnection != null ? clusterConnection.sync() : connection.sync();
    }

    /** The stream key of a user, refusing a user who has none. */
    String requireStream(String user) {
        dev.livehub.hub.Publication.requireUserId(user);
        String key = keys.stream(user);
        if (commands().exists(key) == 0) {
            throw new HubctlException(Hubctl.NOT_FOUND, "user " + user + " has no stream (no key " + key + ")");
        }
        return key;
    }

    /** XINFO STREAM as a map of its fields. */
    Map<String, Object> info(String key) {
        List<Object> flat = commands().xinfoStream(key);
        Map<String, Object> info = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            info.put(String.valueOf(flat.get(i)), flat.get(i + 1));
        }
        return info;
    }

    /** Entries of a stream from {@code from} to {@code to} (inclusive), at most {@code count}, in pages. */
    void range(String key, EventId from, EventId to, long count, Consumer<HubEvent> each) {
        String start = from == null ? "-" : from.toString();
        String end = to == null ? "+" : to.toString();
        long left = count <= 0 ? Long.MAX_VALUE : count;
        boolean exclusive = false;
        while (left > 0) {
            int page = (int) Math.min(1000, left);
            Range<String> range = Range.create(exclusive ? "(" + start : start, end);
            List<StreamMessage<String, String>> messages = commands().xrange(key, range, Limit.from(page));
            for (StreamMessage<String, String> message : messages) {
                each.accept(toEvent(message));
            }
            left -= messages.size();
            if (messages.size() < page) {
                return;
            }
            start = messages.getLast().getId();
            exclusive = true;
        }
    }

    /** Every stream key of this prefix matching a user pattern, with a count on stderr as the scan goes. */
    void scanStreams(String userPattern, Consumer<String> each, Consumer<Long> progress) {
        KeyScanArgs args = KeyScanArgs.Builder.type("stream").match(keys.streamPattern(userPattern))
            .limit(1000);
        long[] seen = { 0 };
        for (RedisCommands<String, String> node : masters()) {
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = node.scan(cursor, args);
                for (String key : page.getKeys()) {
                    each.accept(key);
                    if (++seen[0] % 5000 == 0) {
                        progress.accept(seen[0]);
                    }
                }
                cursor = page;
            }
            while (!cursor.isFinished());
        }
    }

    private List<RedisCommands<String, String>> masters() {
        if (clusterConnection == null) {
            return List.of(connection.sync());
        }
        List<RedisCommands<String, String>> masters = new ArrayList<>();
        for (RedisClusterNode node : clusterConnection.getPartitions()) {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                masters.add(clusterConnection.getConnection(node.getNodeId()).sync());
            }
        }
        return masters;
    }

    /** Which Redis this is, for the operator: the URL without its password, Cluster or not, and the key prefix. */
    String describe() {
        RedisURI parsed = RedisURI.create(uri);
        return "Redis " + parsed.getHost() + ":" + parsed.getPort() + (clusterConnection != null ? " (Cluster)" : "")
                + (parsed.getDatabase() != 0 ? " db " + parsed.getDatabase() : "") + ", prefix " + keys.prefix();
    }

    /** A Redis engine on the same server, for the live path; appends use the defaults (see the other overload). */
    RedisEngine engine() {
        return engine(StreamSettings.defaults());
    }

    /**
     * A Redis engine that appends as the hub's nodes do: with the stream settings their heartbeats report
     * ({@code <prefix>:node:*}), said on {@code err}; with the built-in defaults, and a warning, when no node reports.
     */
    RedisEngine engine(java.io.PrintWriter err) {
        Map<String, StreamSettings> reported = nodeSettings();
        StreamSettings settings;
        if (reported.isEmpty()) {
            settings = StreamSettings.defaults();
            err.println("hubctl: no hub node reports its stream settings here (" + keys.nodePattern() + "); "
                    + "appending with the built-in defaults: " + describe(settings));
        }
        else {
            Map.Entry<String, StreamSettings> first = reported.entrySet().iterator().next();
            settings = first.getValue();
            if (reported.values().stream().distinct().count() > 1) {
                StringBuilder each = new StringBuilder();
                reported.forEach((node, its) -> each.append(each.isEmpty() ? "" : "; ").append(node).append(": ")
                    .append(describe(its)));
                err.println("hubctl: the nodes' stream settings differ (" + each + "); using " + first.getKey()
                        + "'s");
            }
            err.println("hubctl: appending with the nodes' stream settings (" + first.getKey() + "): "
                    + describe(settings));
        }
        err.flush();
        return engine(settings);
    }

    private RedisEngine engine(StreamSettings settings) {
        if (clusterConnection != null) {
            return new RedisEngine(RedisClusterClient.create(RedisURI.create(uri)), keys, settings,
                    Duration.ofSeconds(10));
        }
        return new RedisEngine(RedisClient.create(RedisURI.create(uri)), keys, settings, Duration.ofSeconds(10));
    }

    private static String describe(StreamSettings settings) {
        return settings.maxEntries() + " entries, retention " + settings.retention().toSeconds() + " s, dedupe window "
                + settings.dedupeWindow().toSeconds() + " s";
    }

    /** The stream settings each live hub node reports in its heartbeat, by node name. */
    Map<String, StreamSettings> nodeSettings() {
        Map<String, StreamSettings> settings = new java.util.TreeMap<>();
        heartbeats().forEach((name, node) -> {
            if (node.path("maxEntries").isNumber() && node.path("retentionMs").isNumber()) {
                settings.put(name, new StreamSettings(node.path("maxEntries").asInt(),
                        Duration.ofMillis(node.path("retentionMs").asLong()),
                        Duration.ofMillis(node.path("dedupeWindowMs").asLong(StreamSettings.defaults().dedupeWindow()
                            .toMillis()))));
            }
        });
        return settings;
    }

    /** Every live hub node's heartbeat document ({@code <prefix>:node:<name>}), by node name. */
    Map<String, tools.jackson.databind.JsonNode> heartbeats() {
        Map<String, tools.jackson.databind.JsonNode> nodes = new java.util.TreeMap<>();
        KeyScanArgs args = KeyScanArgs.Builder.type("string").match(keys.nodePattern()).limit(1000);
        String start = keys.node("");
        for (RedisCommands<String, String> node : masters()) {
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = node.scan(cursor, args);
                for (String key : page.getKeys()) {
                    String json = node.get(key);
                    if (json != null) {
                        try {
                            nodes.put(key.substring(start.length()), EntryLines.JSON.readTree(json));
                        }
                        catch (tools.jackson.core.JacksonException ex) {
                            // Not a heartbeat of ours: left out.
                        }
                    }
                }
                cursor = page;
            }
            while (!cursor.isFinished());
        }
        return nodes;
    }

    /** The newest {@code count} entries of a stream, oldest first. */
    List<HubEvent> last(String key, int count) {
        List<StreamMessage<String, String>> newest = commands().xrevrange(key, Range.create("-", "+"),
                Limit.from(count));
        List<HubEvent> entries = new ArrayList<>(newest.size());
        for (int i = newest.size() - 1; i >= 0; i--) {
            entries.add(toEvent(newest.get(i)));
        }
        return entries;
    }

    static HubEvent toEvent(StreamMessage<String, String> message) {
        Map<String, String> body = message.getBody();
        return new HubEvent(EventId.parse(message.getId()), body.getOrDefault("event", "message"),
                body.getOrDefault("data", ""));
    }

    private static String rootMessage(Throwable ex) {
        Throwable cause = ex;
        while (cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        if (clusterConnection != null) {
            clusterConnection.close();
            clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
    }
}
