package dev.livehub.hub;

import java.util.concurrent.ExecutorService;

import dev.livehub.hub.engine.Engine;

/**
 * What a {@link Connection} works with, handed to it by the hub so that a connection never calls back into the hub:
 * the engine its {@link CatchUpReader} reads from, the settings, the meters, the threads its catch-up runs on, the
 * state of live delivery, and what its writer does when the stream has ended (give its slot back). The
 * connection hands each of its parts only what that part uses.
 */
record ConnectionContext(Engine engine, HubSettings settings, HubMetrics metrics, ExecutorService threads,
        LiveDelivery live, java.util.function.Consumer<Connection> onEnd) {
}
