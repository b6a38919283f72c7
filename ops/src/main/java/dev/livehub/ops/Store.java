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
        KeyScanArgs args = KeyScanArgs.Builder.type("stream").match(keys.prefix() + ":{" + userPattern + "}:events")
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

    /** A Redis engine on the same server, for appends and the live path. */
    RedisEngine engine() {
        if (clusterConnection != null) {
            return new RedisEngine(RedisClusterClient.create(RedisURI.create(uri)), keys, StreamSettings.defaults(),
                    Duration.ofSeconds(10));
        }
        return new RedisEngine(RedisClient.create(RedisURI.create(uri)), keys, StreamSettings.defaults(),
                Duration.ofSeconds(10));
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
