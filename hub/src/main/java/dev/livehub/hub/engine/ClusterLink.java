package dev.livehub.hub.engine;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.concurrent.CompletionStage;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;

/**
 * A Redis Cluster: commands routed by key slot, and a cluster pub/sub connection whose {@code SSUBSCRIBE}s Lettuce
 * sends to the node that owns each channel's slot (the hash tag {@code {user}} puts a user's stream and bell on one
 * shard). Messages from those node connections are propagated to this link's listener.
 */
final class ClusterLink implements RedisLink {

    private final RedisClusterClient client;

    private final StatefulRedisClusterConnection<String, String> commands;

    private final StatefulRedisClusterPubSubConnection<String, String> pubsub;

    private final List<StatefulRedisClusterConnection<String, String>> readers;

    private final AtomicInteger turn = new AtomicInteger();

    private final RedisConnectionStateListener listener;

    private final boolean owned;

    private final String description;

    /** On the application's client: the name the link gives its connections; {@code null} on a client of its own. */
    private final String name;

    /** The per-node pub/sub connections named so far (Lettuce opens one when a channel of that node is subscribed). */
    private final Set<StatefulRedisPubSubConnection<String, String>> named = ConcurrentHashMap.newKeySet();

    /**
     * @param owned whether the link shuts the client down when it closes (else it closes only its connections)
     * @param description where the client connects, for the logs
     */
    ClusterLink(RedisClusterClient client, Events events, boolean owned, String description) {
        this.client = client;
        this.owned = owned;
        this.description = description;
        this.commands = client.connect();
        this.readers = IntStream.range(0, READERS).mapToObj(n -> client.connect()).toList();
        this.pubsub = client.connectPubSub();
        this.name = owned ? null : RedisEngine.nodeName();
        if (name != null) {
            // The application's client names its connections its own way; operators (hubctl stats, CLIENT LIST)
            // tell a hub node's by this name. A cluster connection's CLIENT SETNAME names its connection to every
            // node it knows, replicas included (so a promoted replica's is named too), and Lettuce sets it again
            // after a reconnect. The pub/sub connection's per-node connections are named as they are first used
            // (ssubscribe).
            commands.sync().clientSetname(name);
            readers.forEach(reader -> reader.sync().clientSetname(name));
            pubsub.sync().clientSetname(name);
        }
        pubsub.setNodeMessagePropagation(true);
        pubsub.addListener(new RedisClusterPubSubAdapter<>() {
            @Override
            public void smessage(RedisClusterNode node, String channel, String message) {
                events.message(channel, message);
            }
        });
        this.listener = new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                // A cluster's per-node pub/sub connections are not ours to tell apart: any drop may have cost live
                // messages (a failed master takes its subscriptions with it), so every drop counts.
                events.lost();
            }
        };
        client.addListener(listener);
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
    public Object group(String key) {
        int slot = SlotHash.getSlot(key);
        RedisClusterNode node = commands.getPartitions().getMasterBySlot(slot);
        return node != null ? node.getNodeId() : slot;
    }

    @Override
    public int slot(String key) {
        return SlotHash.getSlot(key);
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
        // A failed master stays in the topology, flagged, until the cluster forgets it: it needs no function.
        CompletableFuture<?>[] loads = commands.getPartitions().stream()
            .filter(node -> node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.is(RedisClusterNode.NodeFlag.FAIL)
                    && !node.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL))
            .map(node -> commands.getConnectionAsync(node.getNodeId())
                .thenCompose(connection -> connection.async().functionLoad(code, true)))
            .toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(loads);
    }

    @Override
    public StatefulRedisPubSubConnection<String, String> pubsub() {
        return pubsub;
    }

    /**
     * On the application's client, first names the pub/sub connection to the channel's node if it has no name yet:
     * Lettuce sends the {@code SSUBSCRIBE} to the node that owns the channel's slot, over a connection of its own to
     * that node (by host and port), opened on first use.
     */
    @Override
    public CompletionStage<Void> ssubscribe(String channel) {
        if (name == null) {
            return pubsub.async().ssubscribe(channel);
        }
        return nameNodeConnection(channel).thenCompose(done -> pubsub.async().ssubscribe(channel));
    }

    /** Never fails: a name is for operators, and a node that cannot be reached fails the subscription itself. */
    private CompletionStage<Void> nameNodeConnection(String channel) {
        RedisClusterNode node = pubsub.getPartitions().getMasterBySlot(SlotHash.getSlot(channel));
        if (node == null) {
            return CompletableFuture.completedFuture(null);
        }
        return pubsub.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort())
            .thenCompose(connection -> {
                if (!named.add(connection)) {
                    return CompletableFuture.<Void>completedFuture(null);
                }
                return connection.async().clientSetname(name).<Void>handle((ok, error) -> {
                    if (error != null) {
                        named.remove(connection);
                    }
                    return null;
                });
            })
            .handle((done, error) -> null);
    }

    @Override
    public void refreshTopology() {
        client.refreshPartitions();
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
        return "Redis Cluster " + description;
    }
}
