package dev.livehub.hub.autoconfigure;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.catalina.Lifecycle;
import org.apache.catalina.connector.Connector;
import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.Request;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A total time limit for a request head on Tomcat's port, which Tomcat lacks: its {@code connectionTimeout} bounds
 * each read, so a head trickled one byte every few seconds holds its connection for ever (slowloris). Every second,
 * each connection whose request head is still unfinished and whose first byte came more than the limit ago is failed
 * the way Tomcat fails a read timeout ({@link SocketEvent#ERROR} on a worker): the connection is closed and its slot
 * freed. Requests being served (streams included) are never touched.
 *
 * <p>Blank lines before a request line are not counted (Tomcat forgets them), nor is a connection idle between
 * requests: Tomcat's own {@code keepAliveTimeout} closes that one.
 */
final class TomcatRequestHeads {

    private static final Logger log = LoggerFactory.getLogger(TomcatRequestHeads.class);

    private final Duration limit;

    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("hub-tomcat-heads").factory());

    private TomcatRequestHeads(Duration limit) {
        this.limit = limit;
    }

    /** Sweeps the connector's connections while it runs. */
    static void guard(Connector connector, Duration limit) {
        TomcatRequestHeads heads = new TomcatRequestHeads(limit);
        connector.addLifecycleListener(event -> {
            if (Lifecycle.AFTER_START_EVENT.equals(event.getType())) {
                AbstractEndpoint<?, ?> endpoint = endpoint(connector);
                if (endpoint != null) {
                    heads.sweeper.scheduleWithFixedDelay(() -> heads.sweep(endpoint), 1, 1, TimeUnit.SECONDS);
                }
            }
            else if (Lifecycle.AFTER_STOP_EVENT.equals(event.getType())
                    || Lifecycle.AFTER_DESTROY_EVENT.equals(event.getType())) {
                heads.sweeper.shutdownNow();
            }
        });
    }

    private void sweep(AbstractEndpoint<?, ?> endpoint) {
        try {
            long now = System.nanoTime();
            int closed = 0;
            for (SocketWrapperBase<?> socket : endpoint.getConnections()) {
                if (socket.getCurrentProcessor() instanceof AbstractProcessor processor && late(processor, now)) {
                    close(endpoint, socket);
                    closed++;
                }
            }
            if (closed > 0) {
                log.info("Closed {} connections whose request head had not arrived within {} s", closed,
                        limit.toSeconds());
            }
        }
        catch (RuntimeException ex) {
            log.warn("Checking Tomcat's request heads failed: {}", ex.toString());
        }
    }

    /**
     * A processor parked on its socket, not async, is one whose request is not whole yet: Tomcat's HTTP/1.1 processor
     * parks itself so only when a read left the request line or the headers unfinished (a request being served holds
     * its processor on a worker thread, and a stream is async). Its request's start is the head's first byte.
     */
    private boolean late(AbstractProcessor processor, long now) {
        Request request = processor.getRequest();
        long start = request.getStartTimeNanos();
        return !processor.isAsync() && !processor.isUpgrade() && start > 0 && now - start > limit.toNanos();
    }

    @SuppressWarnings("unchecked")
    private static <S> void close(AbstractEndpoint<S, ?> endpoint, SocketWrapperBase<?> socket) {
        endpoint.processSocket((SocketWrapperBase<S>) socket, SocketEvent.ERROR, true);
    }

    /** Tomcat keeps the endpoint to its protocol classes; the one way in, looked up once per connector. */
    private static AbstractEndpoint<?, ?> endpoint(Connector connector) {
        if (!(connector.getProtocolHandler() instanceof AbstractProtocol<?> protocol)) {
            log.warn("Tomcat's protocol {} is not an AbstractProtocol: request heads have no total time limit",
                    connector.getProtocolHandler());
            return null;
        }
        try {
            Method getEndpoint = AbstractProtocol.class.getDeclaredMethod("getEndpoint");
            getEndpoint.setAccessible(true);
            return (AbstractEndpoint<?, ?>) getEndpoint.invoke(protocol);
        }
        catch (ReflectiveOperationException | RuntimeException ex) {
            log.warn("Tomcat's endpoint is out of reach ({}): request heads have no total time limit", ex.toString());
            return null;
        }
    }
}
