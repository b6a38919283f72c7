package dev.livehub.hub.netty;

import java.net.InetSocketAddress;
import java.time.Duration;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.livehub.hub.Hub;
import dev.livehub.hub.web.ConnectRate;
import dev.livehub.hub.web.SubscriberTokens;

/**
 * A listener of its own for {@code GET /stream/app}, on Netty rather than the servlet container. A stream then costs
 * what the hub keeps for it (its connection, outbox and writer) and a Netty channel, instead of a servlet request that
 * holds about 90 KB of buffers for as long as the stream is open. Put it behind the same proxy as the node
 * ({@code location /stream/app} to this port).
 *
 * <p>The same protocol as the servlet endpoint (cursor from {@code Last-Event-ID} or {@code last_id},
 * {@code ?compact=1}, the same JSON refusals), but subscriber tokens only ({@code ?token=} or the token cookie):
 * sessions belong to the servlet container. The polling fallback stays on the node's own port.
 *
 * <p>{@link #close()} stops accepting; the open streams end with the hub ({@link Hub#drain}, {@link Hub#close}).
 */
public final class NettyStreamServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NettyStreamServer.class);

    private final Hub hub;

    private final SubscriberTokens tokens;

    private final ConnectRate rate;

    private final Duration writeTimeout;

    private EventLoopGroup group;

    private Channel server;

    /**
     * @param writeTimeout how long one write may wait for a client that does not read before its stream is closed
     */
    public NettyStreamServer(Hub hub, SubscriberTokens tokens, ConnectRate rate, Duration writeTimeout) {
        if (tokens == null) {
            throw new IllegalStateException("hub.stream-port serves streams to subscriber tokens only: set "
                    + "hub.token.secret or hub.token.public-key too");
        }
        this.hub = hub;
        this.tokens = tokens;
        this.rate = rate;
        this.writeTimeout = writeTimeout;
    }

    /** Binds {@code host:port} (port 0: any free port) and serves until {@link #close()}. */
    public synchronized void start(String host, int port) {
        group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap().group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 4096)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel channel) {
                    channel.pipeline().addLast(new HttpServerCodec(),
                            new StreamRequestHandler(hub, tokens, rate, writeTimeout));
                }
            });
        try {
            server = bootstrap.bind(host, port).sync().channel();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding hub.stream-port " + port, ex);
        }
        catch (RuntimeException ex) {
            group.shutdownGracefully();
            throw new IllegalStateException("hub.stream-port " + port + " cannot be bound: " + ex.getMessage(), ex);
        }
        log.info("Streams (GET /stream/app, subscriber tokens) also served on {}:{} (Netty)", host, port());
    }

    /** The bound port. */
    public synchronized int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public synchronized boolean isRunning() {
        return server != null && server.isOpen();
    }

    /** Stops accepting streams; the open ones end with the hub. */
    public synchronized void stopAccepting() {
        if (server != null && server.isOpen()) {
            server.close().syncUninterruptibly();
        }
    }

    /** Stops accepting and releases the event loops (closing what is still open). Idempotent. */
    @Override
    public synchronized void close() {
        stopAccepting();
        if (group != null) {
            group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
            group = null;
        }
    }
}
