package dev.livehub.hub.engine;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.StatefulRedisConnectionImpl;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;

/** One Redis server: a command connection and a pub/sub connection. */
final class StandaloneLink implements RedisLink {

    private final RedisClient client;

    private final StatefulRedisConnection<String, String> commands;

    private final StatefulRedisPubSubConnection<String, String> pubsub;

    private final List<StatefulRedisConnection<String, String>> readers;

    private final AtomicInteger turn = new AtomicInteger();

    private final RedisConnectionStateListener listener;

    private final boolean owned;

    private final String description;

    /**
     * @param owned whether the link shuts the client down when it closes (else it closes only its connections)
     * @param description where the client connects, for the logs
     */
    StandaloneLink(RedisClient client, Events events, boolean owned, String description) {
        this.client = client;
        this.owned = owned;
        this.description = description;
        this.commands = client.connect();
        this.readers = IntStream.range(0, READERS).mapToObj(n -> client.connect()).toList();
        this.pubsub = client.connectPubSub();
        if (!owned) {
            // The application's client names its connections its own way; operators (hubctl stats, CLIENT LIST)
            // tell a hub node's by this name. Set through the connection (not a CLIENT SETNAME command, which Lettuce
            // forgets), so that Lettuce's handshake names the connection again after a reconnect (a Redis restart).
            String name = RedisEngine.nodeName();
            name(commands, name);
            readers.forEach(reader -> name(reader, name));
            name(pubsub, name);
        }
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void smessage(String channel, String message) {
                events.message(channel, message);
            }
        });
        this.listener = new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                // Only the pub/sub connection carries live messages; a command connection drop loses none.
                if (connection == pubsub) {
                    events.lost();
                }
            }
        };
        client.addListener(listener);
    }

    /** Names a connection so that it keeps the name across reconnects (Lettuce's connection state). */
    private static void name(StatefulRedisConnection<String, String> connection, String name) {
        if (connection instanceof StatefulRedisConnectionImpl<String, String> named) {
            named.setClientName(name);
            // setClientName sends CLIENT SETNAME without waiting: a round trip makes sure it has been applied.
            named.sync().ping();
        }
        else {
            connection.sync().clientSetname(name);
        }
    }

    @Override
    public RedisScriptingAsyncCommands<String, String> scripting() {
        return commands.async();
    }

    @Override
    public RedisClusterAsyncCommands<String, String> reads() {
        return RedisLink.connectedReader(readers, turn, commands).async();
    }

    @Override
    public RedisClusterAsyncCommands<String, String> commands() {
        return commands.async();
    }

    @Override
    public boolean commandsOpen() {
        return commands.isOpen();
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
    public ClientResources resources() {
        return client.getResources();
    }

    @Override
    public void close() {
        RedisLink.close(pubsub, commands, readers, client, listener, owned);
    }

    @Override
    public String toString() {
        return "Redis " + description;
    }
}
