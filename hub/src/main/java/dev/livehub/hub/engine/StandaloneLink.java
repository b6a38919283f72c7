package dev.livehub.hub.engine;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

/** One Redis server: a command connection and a pub/sub connection. */
final class StandaloneLink implements RedisLink {

    private final RedisClient client;

    private final StatefulRedisConnection<String, String> commands;

    private final StatefulRedisPubSubConnection<String, String> pubsub;

    private final List<StatefulRedisConnection<String, String>> readers;

    private final AtomicInteger turn = new AtomicInteger();

    StandaloneLink(RedisClient client, Events events) {
        this.client = client;
        this.commands = client.connect();
        this.readers = IntStream.range(0, READERS).mapToObj(n -> client.connect()).toList();
        this.pubsub = client.connectPubSub();
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void smessage(String channel, String message) {
                events.message(channel, message);
            }
        });
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                // Only the pub/sub connection carries live messages; a command connection drop loses none.
                if (connection == pubsub) {
                    events.lost();
                }
            }
        });
    }

    @Override
    public RedisScriptingAsyncCommands<String, String> scripting() {
        return commands.async();
    }

    @Override
    public RedisScriptingAsyncCommands<String, String> reads() {
        return readers.get(Math.floorMod(turn.getAndIncrement(), readers.size())).async();
    }

    @Override
    public RedisClusterAsyncCommands<String, String> commands() {
        return commands.async();
    }

    @Override
    public CompletionStage<String> ping() {
        return commands.async().ping();
    }

    @Override
    public CompletionStage<Void> loadFunctions(String code) {
        return commands.async().functionLoad(code, true).thenAccept(name -> { });
    }

    @Override
    public StatefulRedisPubSubConnection<String, String> pubsub() {
        return pubsub;
    }

    @Override
    public void close() {
        RedisLink.close(pubsub, commands, readers, client);
    }

    @Override
    public String toString() {
        return "Redis " + client;
    }
}
