package dev.livehub.hub.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XTrimArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import dev.livehub.hub.EventId;

/** {@link StreamAdmin} on Redis: {@code SCAN} for users and heartbeats, {@code XTRIM}, heartbeat keys with a TTL. */
final class RedisStreamAdmin implements StreamAdmin {

    private final Supplier<RedisClusterAsyncCommands<String, String>> commands;

    private final RedisKeys keys;

    private final Duration timeout;

    RedisStreamAdmin(Supplier<RedisClusterAsyncCommands<String, String>> commands, RedisKeys keys, Duration timeout) {
        this.commands = commands;
        this.keys = keys;
        this.timeout = timeout;
    }

    @Override
    public List<UserStream> users(String match, int limit) {
        RedisClusterAsyncCommands<String, String> redis = commands.get();
        List<UserStream> found = new ArrayList<>();
        ScanArgs args = ScanArgs.Builder.matches(keys.streamPattern(match)).limit(1000);
        ScanCursor cursor = ScanCursor.INITIAL;
        while (found.size() < limit) {
            KeyScanCursor<String> page = await(redis.scan(cursor, args), "list the streams");
            for (String key : page.getKeys()) {
                if (found.size() == limit) {
                    break;
                }
                String user = keys.userOf(key);
                Long length = await(redis.xlen(key), "count a stream");
                List<StreamMessage<String, String>> last = await(
                        redis.xrevrange(key, Range.create("-", "+"), Limit.from(1)), "read a stream's last id");
                found.add(new UserStream(user, length == null ? 0 : length,
                        last.isEmpty() ? EventId.ZERO : EventId.parse(last.getFirst().getId())));
            }
            if (page.isFinished()) {
                break;
            }
            cursor = page;
        }
        return found;
    }

    @Override
    public long trim(String user, int maxEntries) {
        Long removed = await(commands.get().xtrim(keys.stream(user), new XTrimArgs().maxlen(maxEntries).exactTrimming()),
                "trim the stream of " + user);
        return removed == null ? 0 : removed;
    }

    @Override
    public void reportNode(String name, String json, Duration ttl) {
        await(commands.get().set(keys.node(name), json, SetArgs.Builder.px(ttl.toMillis())), "store a heartbeat");
    }

    @Override
    public void reportNodeUsers(String name, String json, Duration ttl) {
        await(commands.get().set(keys.nodeUsers(name), json, SetArgs.Builder.px(ttl.toMillis())),
                "store a node's users");
    }

    @Override
    public boolean keepNodeUsers(String name, Duration ttl) {
        return await(commands.get().pexpire(keys.nodeUsers(name), ttl.toMillis()), "keep a node's users");
    }

    @Override
    public String nodeUsers(String name) {
        return await(commands.get().get(keys.nodeUsers(name)), "read a node's users");
    }

    @Override
    public void forgetNode(String name) {
        // Two commands, not one DEL of both keys: on a Redis Cluster they may be in different slots.
        await(commands.get().del(keys.nodeUsers(name)), "remove a node's users");
        await(commands.get().del(keys.node(name)), "remove a heartbeat");
    }

    @Override
    public Map<String, String> nodes() {
        RedisClusterAsyncCommands<String, String> redis = commands.get();
        Map<String, String> nodes = new TreeMap<>();
        ScanArgs args = ScanArgs.Builder.matches(keys.nodePattern()).limit(1000);
        ScanCursor cursor = ScanCursor.INITIAL;
        while (true) {
            KeyScanCursor<String> page = await(redis.scan(cursor, args), "list the nodes");
            for (String key : page.getKeys()) {
                String json = await(redis.get(key), "read a heartbeat");
                if (json != null) {
                    nodes.put(key.substring(keys.node("").length()), json);
                }
            }
            if (page.isFinished()) {
                return nodes;
            }
            cursor = page;
        }
    }

    private <T> T await(CompletionStage<T> stage, String what) {
        return RedisEngine.await(stage, what, timeout);
    }
}
