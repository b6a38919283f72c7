package dev.livehub.hub.netty;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.livehub.hub.Hub;
import dev.livehub.hub.admission.SessionUsers;
import dev.livehub.hub.admission.StreamAdmission;
import dev.livehub.hub.publishing.HttpPublishing;

/**
 * A listener of its own for {@code GET /stream/app}, on Netty rather than the servlet container. A stream then costs
 * what the hub keeps for it (its connection, outbox and writer) and a Netty channel, instead of a servlet request that
 * holds about 90 KB of buffers for as long as the stream is open. Put it behind the same proxy as the node
 * ({@code location = /stream/app} to this port). With {@link #publishing} it also takes {@code POST /hub/publish}
 * ({@link PublishRequestHandler}).
 *
 * <p>The same protocol and the same decisions as the servlet endpoint ({@link StreamAdmission}): subscriber tokens,
 * and signed-in users through {@link SessionUsers} (the session store read by the session cookie). The polling
 * fallback stays on the node's own port.
 *
 * <p>Guards: a request head must arrive within {@link Settings#headTimeout()}, a publish's body within
 * {@link Settings#bodyTimeout()} of its head, and a publish without the right token is answered 401 before its body is
 * read, the connection closed; at most
 * {@link Settings#maxConnections()} connections are open at once (more are closed as they come, so the process keeps
 * file descriptors for the rest of its work); on Linux (native epoll transport) a peer that acknowledges nothing for
 * {@link Settings#userTimeout()} is dropped by the kernel ({@code TCP_USER_TIMEOUT}), so a client gone without FIN or
 * RST frees its slot within that bound although heartbeats keep "succeeding" into the socket's buffer.
 *
 * <p>{@link #close()} stops accepting; the open streams end with the hub ({@link Hub#drain}, {@link Hub#close}).
 */
public final class NettyStreamServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NettyStreamServer.class);

    /**
     * The longest request line read, in bytes: 8 KiB, as the servlet container (Tomcat's 8 KB request head) and nginx
     * ({@code large_client_header_buffers 4 8k}) read, so a URL that reaches the node through either is read here too.
     * Netty's default, 4,096, refused a stream URL of 4 to 8 KB that the servlet port served.
     */
    static final int MAX_REQUEST_LINE = 8192;

    /**
     * @param writeTimeout how long one write may wait for a client that does not read before its stream is closed
     * @param headTimeout how long a connection may take to send its request head
     * @param maxConnections connections open at once, streams and requests alike
     * @param userTimeout how long sent data may stay unacknowledged before the kernel drops the connection (Linux)
     * @param bodyTimeout how long a publish's body may take to arrive once its head is in
     */
    public record Settings(Duration writeTimeout, Duration headTimeout, int maxConnections, Duration userTimeout,
            Duration bodyTimeout) {

        /** A body timeout of 30 s (the default of {@code hub.stream-body-timeout}). */
        public Settings(Duration writeTimeout, Duration headTimeout, int maxConnections, Duration userTimeout) {
            this(writeTimeout, headTimeout, maxConnections, userTimeout, Duration.ofSeconds(30));
        }

        public Settings {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("hub.stream-max-connections must be positive");
            }
        }
    }

    private final StreamAdmission admission;

    private final SessionUsers sessions;

    private final Settings settings;

    private final AtomicInteger open = new AtomicInteger();

    private volatile HttpPublishing publishing;

    private EventLoopGroup group;

    /**
     * One loop of its own that only accepts connections. On the loops that also write the streams, a storm of
     * reconnecting clients (5,000 at once, each owed a catch-up) waited to be accepted behind other streams' writes:
     * the kernel's accept queue (its {@code SO_BACKLOG}, capped by {@code net.core.somaxconn}) overflowed, and each
     * client dropped there came back only on its TCP retransmission, a second or more later.
     */
    private EventLoopGroup acceptor;

    /** Event loops someone else owns ({@link #eventLoops}), or {@code null}: {@link #start} makes its own. */
    private IoEventLoopGroup shared;

    /** Gives {@link #shared} back to its owner, on {@link #close()}. */
    private Runnable release;

    private Channel server;

    /**
     * @param sessions the signed-in users of requests' sessions, or {@link SessionUsers#NONE} for tokens only
     */
    public NettyStreamServer(StreamAdmission admission, SessionUsers sessions, Settings settings) {
        if (!admission.acceptsTokens() && sessions == SessionUsers.NONE) {
            throw new IllegalStateException("hub.stream-port has nobody to serve: it takes subscriber tokens "
                    + "(hub.token.secret or hub.token.public-key) or sessions from a shared session store "
                    + "(Spring Session)");
        }
        this.admission = admission;
        this.sessions = sessions;
        this.settings = settings;
    }

    /**
     * Serves {@code POST /hub/publish} and {@code /hub/publish/batch} here too (before {@link #start}): the servlet
     * endpoint's contract at a fraction of its cost per request, for publishers sent to this port.
     *
     * @param publishing what answers them, or {@code null}: this port serves streams only
     */
    public NettyStreamServer publishing(HttpPublishing publishing) {
        this.publishing = publishing;
        return this;
    }

    /**
     * Serves on {@code eventLoops} instead of loops of its own (before {@link #start}): the Redis client's, so that a
     * live event read from the pub/sub connection is written to the streams on that connection's loop with no thread
     * hop (on a busy machine every hop is a wait for a core). {@link #close()} then stops accepting and runs
     * {@code release}; the loops go on running, and the open streams end with the hub as ever. A request still being
     * read or answered ends with it, or when the owner stops the loops.
     *
     * @param eventLoops Netty's epoll or NIO transport ({@link #canServeOn})
     * @param release gives the loops back to their owner
     * @throws IllegalArgumentException for loops of another transport
     */
    public synchronized NettyStreamServer eventLoops(IoEventLoopGroup eventLoops, Runnable release) {
        if (!canServeOn(eventLoops)) {
            throw new IllegalArgumentException("hub.stream-port serves on Netty's epoll or NIO transport, not on "
                    + eventLoops.getClass().getName());
        }
        this.shared = eventLoops;
        this.release = release;
        return this;
    }

    /** Whether {@link #eventLoops} takes {@code group}: loops of Netty's epoll or NIO transport. */
    public static boolean canServeOn(IoEventLoopGroup group) {
        return NativeTransport.isType(group) || group.isIoType(NioIoHandler.class);
    }

    /** Binds {@code host:port} (port 0: any free port) and serves until {@link #close()}. */
    public synchronized void start(String host, int port) {
        boolean epoll;
        if (shared != null) {
            epoll = NativeTransport.isType(shared);
            group = shared;
        }
        else {
            epoll = NativeTransport.isAvailable();
            group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                    epoll ? NativeTransport.ioHandlerFactory() : NioIoHandler.newFactory());
        }
        if (acceptor == null) {
            acceptor = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("hub-stream-accept", true),
                    epoll ? NativeTransport.ioHandlerFactory() : NioIoHandler.newFactory());
        }
        ServerBootstrap bootstrap = new ServerBootstrap().group(acceptor, group)
            .option(ChannelOption.SO_BACKLOG, 4096)
            .childOption(ChannelOption.SO_KEEPALIVE, true)
            .childHandler(new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel channel) {
                    if (open.incrementAndGet() > settings.maxConnections()) {
                        open.decrementAndGet();
                        log.warn("hub.stream-port has {} connections open, its limit: closing a new one",
                                settings.maxConnections());
                        channel.close();
                        return;
                    }
                    channel.closeFuture().addListener(closed -> open.decrementAndGet());
                    channel.pipeline().addLast(new RequestHeadTimeout(settings.headTimeout()), new HttpServerCodec(
                            new HttpDecoderConfig().setMaxInitialLineLength(MAX_REQUEST_LINE)));
                    HttpPublishing publishes = publishing;
                    if (publishes != null) {
                        channel.pipeline().addLast(new PublishRequestHandler(publishes, settings.bodyTimeout()));
                    }
                    channel.pipeline().addLast(new StreamRequestHandler(admission, sessions, settings.writeTimeout()));
                }
            });
        if (epoll) {
            NativeTransport.configure(bootstrap, settings.userTimeout());
        }
        else {
            bootstrap.channel(NioServerSocketChannel.class);
            log.warn("hub.stream-port without Netty's native epoll transport (Linux, netty-transport-native-epoll): "
                    + "a client gone without FIN or RST is noticed only when a write fails");
        }
        try {
            server = bootstrap.bind(host, port).sync().channel();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while binding hub.stream-port " + port, ex);
        }
        catch (RuntimeException ex) {
            if (shared == null) {
                group.shutdownGracefully();
            }
            group = null;
            acceptor.shutdownGracefully();
            acceptor = null;
            throw new IllegalStateException("hub.stream-port " + port + " cannot be bound: " + ex.getMessage(), ex);
        }
        log.info("Streams (GET /stream/app{}){} also served on {}:{} (Netty, {}{})",
                sessions == SessionUsers.NONE ? ", subscriber tokens" : "",
                publishing != null ? " and POST /hub/publish" : "", host, port(), epoll ? "epoll" : "NIO",
                shared != null ? ", on shared event loops" : "");
    }

    /** Whether it serves on loops someone else owns ({@link #eventLoops}) rather than on its own. */
    public synchronized boolean sharesEventLoops() {
        return shared != null;
    }

    /** The bound port. */
    public synchronized int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public synchronized boolean isRunning() {
        return server != null && server.isOpen();
    }

    /** Connections open on this listener now. */
    public int openConnections() {
        return open.get();
    }

    /** Stops accepting streams; the open ones end with the hub. */
    public synchronized void stopAccepting() {
        if (server != null && server.isOpen()) {
            server.close().syncUninterruptibly();
        }
        if (acceptor != null) {
            acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            acceptor = null;
        }
    }

    /**
     * Stops accepting and releases the event loops: its own are shut down (closing what is still open), shared ones
     * are given back ({@link #eventLoops}). Idempotent.
     */
    @Override
    public synchronized void close() {
        stopAccepting();
        if (release != null) {
            release.run();
            release = null;
            shared = null;
            group = null;
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            group = null;
        }
    }
}
