package dev.livehub.hub.autoconfigure;

import org.springframework.context.SmartLifecycle;

import dev.livehub.hub.netty.NettyStreamServer;

/**
 * Runs the Netty stream listener ({@code hub.stream-port}) with the application. It stops after the hub's drain
 * ({@link HubLifecycle}, a higher phase, stops first), so streams opened during the drain are refused with 503 like on
 * the node's own port, then the port closes.
 */
final class NettyStreamsLifecycle implements SmartLifecycle {

    private final NettyStreamServer server;

    private final String address;

    private final int port;

    NettyStreamsLifecycle(NettyStreamServer server, String address, int port) {
        this.server = server;
        this.address = address;
        this.port = port;
    }

    @Override
    public void start() {
        server.start(address, port);
    }

    @Override
    public void stop() {
        server.close();
    }

    @Override
    public boolean isRunning() {
        return server.isRunning();
    }

    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 1;
    }
}
