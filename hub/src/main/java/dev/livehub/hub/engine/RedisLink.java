package dev.livehub.hub.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;

/**
 * A node's Redis connections, whatever the deployment: commands (scripts routed by their first key), a few for reading
 * backlogs, and sharded pub/sub (each channel subscribed where its slot lives). Standalone Redis and Redis Cluster each
 * have one. Their number is fixed, whatever the number of streams.
 */
interface RedisLink extends AutoCloseable {

    /** What the link reports to its engine; called on Lettuce's I/O threads, so nothing here may block. */
    interface Events {

        void message(String channel, String message);

        /** A connection dropped: live messages may have been missed. */
        void lost();
    }

    /** Connections kept for catch-up reads: a backlog read never queues a publish, or another read, behind it. */
    int READERS = 2;

    RedisScriptingAsyncCommands<String, String> scripting();

    /**
     * One of the {@link #READERS} read connections, in turn. Each catch-up has at most one read in flight and every
     * read is bounded ({@link Engine#READ_BYTES}), so the reads of many users take turns on them. One that is
     * reconnecting is passed over, and while none is connected the command connection serves
     * ({@link #connectedReader}).
     */
    RedisClusterAsyncCommands<String, String> reads();

    /**
     * Which keys one script call may take together: every key on one server ({@code 0}); on a cluster, the keys whose
     * slots live on one node (the node's id), as far as this node knows the topology. {@link #slot} is the fallback.
     */
    default Object group(String key) {
        return 0;
    }

    /** The hash slot of a key on a cluster; {@code 0} on one server. */
    default int slot(String key) {
        return 0;
    }

    /** Plain commands on the command connection (a cluster's route each key to its slot, and scan every node). */
    RedisClusterAsyncCommands<String, String> commands();

    /**
     * Whether the command connection is connected now (a cluster's: its default node's). Lettuce queues what is sent
     * while it reconnects, until the command timeout.
     */
    boolean commandsOpen();

    /** {@code PING} on the command connection (a cluster's default node): whether commands get through now. */
    CompletionStage<String> ping();

    /** {@code FUNCTION LOAD REPLACE} on every primary (functions replicate to replicas). */
    CompletionStage<Void> loadFunctions(String code);

    /** The pub/sub connection; a cluster's sends each {@code SSUBSCRIBE} to the node that owns the channel's slot. */
    StatefulRedisPubSubConnection<String, String> pubsub();

    /** The client's resources (their event bus says why a reconnect failed). */
    ClientResources resources();

    /** Subscribes one shard channel (a cluster cannot subscribe channels of different slots in one command). */
    default CompletionStage<Void> ssubscribe(String channel) {
        return pubsub().async().ssubscribe(channel);
    }

    default void sunsubscribe(String channel) {
        pubsub().async().sunsubscribe(channel);
    }

    /** Before retrying a resubscription: a cluster learns where the slots are now. */
    default void refreshTopology() {
    }

    @Override
    void close();

    /**
     * The next of {@code readers} in turn that is connected now, else {@code commands}. A read connection reconnects on
     * its own backoff (up to a second after Redis is back, while the command connection may already be through), and
     * a read sent to it meanwhile waits there until it times out.
     */
    static <C extends StatefulConnection<String, String>> C connectedReader(List<C> readers, AtomicInteger turn,
            C commands) {
        int first = turn.getAndIncrement();
        for (int n = 0; n < readers.size(); n++) {
            C reader = readers.get(Math.floorMod(first + n, readers.size()));
            if (reader.isOpen()) {
                return reader;
            }
        }
        return commands;
    }

    /**
     * Closes a link's connections, then, when the engine owns it, its client and the resources made for it
     * ({@link RedisEngine#clientResources()}); a client, or client resources, the application shares with the hub keep
     * running.
     */
    static void close(StatefulConnection<?, ?> pubsub, StatefulConnection<?, ?> commands,
            List<? extends StatefulConnection<?, ?>> readers, AbstractRedisClient client,
            RedisConnectionStateListener listener, boolean owned) {
        pubsub.close();
        commands.close();
        readers.forEach(StatefulConnection::close);
        client.removeListener(listener);
        if (owned) {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            if (RedisEngine.madeHere(client.getResources())) {
                client.getResources().shutdown(0, 2, TimeUnit.SECONDS);
            }
        }
    }
}
