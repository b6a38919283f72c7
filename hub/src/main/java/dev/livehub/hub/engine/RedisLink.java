package dev.livehub.hub.engine;

import java.util.concurrent.CompletionStage;

import io.lettuce.core.api.async.RedisScriptingAsyncCommands;

/**
 * A node's two Redis connections, whatever the deployment: commands (scripts routed by their first key) and sharded
 * pub/sub (each channel subscribed where its slot lives). Standalone Redis and Redis Cluster each have one.
 */
interface RedisLink extends AutoCloseable {

    /** What the link reports to its engine; called on Lettuce's I/O threads, so nothing here may block. */
    interface Events {

        void message(String channel, String message);

        /** A connection dropped: live messages may have been missed. */
        void lost();
    }

    RedisScriptingAsyncCommands<String, String> scripting();

    /** {@code FUNCTION LOAD REPLACE} on every primary (functions replicate to replicas). */
    CompletionStage<Void> loadFunctions(String code);

    /** Subscribes one shard channel (a cluster cannot subscribe channels of different slots in one command). */
    CompletionStage<Void> ssubscribe(String channel);

    void sunsubscribe(String channel);

    /** Before retrying a resubscription: a cluster learns where the slots are now. */
    default void refreshTopology() {
    }

    @Override
    void close();
}
