package dev.livehub.hub.engine;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

/** One Redis server: a command connection and a pub/sub connection. */
final class StandaloneLink implements RedisLink {

    private final RedisClient client;

    private final StatefulRedisConnection<String, String> commands;

    private final StatefulRedisPubSubConnection<String, String> pubsub;

    StandaloneLink(RedisClient client, Events events) {
        this.client = client;
        this.commands = client.connect();
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
    public CompletionStage<Void> loadFunctions(String code) {
        return commands.async().functionLoad(code, true).thenAccept(name -> { });
    }

    @Override
    public CompletionStage<Void> ssubscribe(String channel) {
        return pubsub.async().ssubscribe(channel);
    }

    @Override
    public void sunsubscribe(String channel) {
        pubsub.async().sunsubscribe(channel);
    }

    @Override
    public void close() {
        pubsub.close();
        commands.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        // Resources the client was given are not shut down with it (see RedisEngine.clientResources).
        client.getResources().shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "Redis " + client;
    }
}
