package dev.livehub.hub;

import java.util.concurrent.ExecutorService;

import dev.livehub.hub.engine.Engine;

/**
 * What a {@link Connection} works with, handed to it by the hub so that a connection never calls back into the hub:
 * the engine it reads its catch-up from, the settings, the meters, the threads its catch-up and writer run on, the
 * state of live delivery, and what to do when it has ended (give its slot back).
 */
record ConnectionContext(Engine engine, HubSettings settings, HubMetrics metrics, ExecutorService threads,
        LiveDelivery live, java.util.function.Consumer<Connection> onEnd) {
}
