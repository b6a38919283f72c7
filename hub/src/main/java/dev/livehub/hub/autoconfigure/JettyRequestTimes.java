package dev.livehub.hub.autoconfigure;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Total time limits for a request's head and body on Jetty's port, which Jetty lacks: its idle timeout bounds each
 * read, so a head or a body trickled one byte every few seconds holds its connection for ever (slowloris). Every
 * second each connection is looked at: one whose request head has been arriving for longer than the head limit, or
 * whose body has been arriving for longer than the body limit, is closed and its slot freed. A request being served
 * (its head whole, its body read: streams included) and a connection idle between requests (Jetty's idle timeout closes
 * that one) are never touched. A head or body is timed from the sweep that first saw it arriving: the limits hold to
 * within a second. Each request of a keep-alive connection is timed on its own.
 *
 * <p>It reads the state of Jetty's HTTP/1.1 parser ({@code HttpConnection.getParser()}, from Jetty's internal
 * package), from the sweeper's thread: a stale read delays a close by a sweep, never closes a request in service.
 */
final class JettyRequestTimes implements LifeCycle.Listener {

    private static final Logger log = LoggerFactory.getLogger(JettyRequestTimes.class);

    private final Server server;

    private final long headLimit;

    private final long bodyLimit;

    /** Since when (nanoTime) each connection's head, or body, has been seen arriving; keyed by connection. */
    private final Map<EndPoint, Arriving> arriving = new ConcurrentHashMap<>();

    private ScheduledExecutorService sweeper;

    /**
     * A head or a body seen arriving: which part, of which request on its connection (the connection's count of
     * requests whose head was whole, {@code HttpConnection.getMessagesIn()}: one less while a head arrives than while
     * its body does), and since when. A keep-alive connection's next request is timed afresh.
     */
    private record Arriving(boolean body, long request, long since) {
    }

    private JettyRequestTimes(Server server, Duration headLimit, Duration bodyLimit) {
        this.server = server;
        this.headLimit = headLimit.toNanos();
        this.bodyLimit = bodyLimit.toNanos();
    }

    /** Sweeps the server's connections while it runs. */
    static void guard(Server server, Duration headLimit, Duration bodyLimit) {
        server.addEventListener(new JettyRequestTimes(server, headLimit, bodyLimit));
    }

    @Override
    public void lifeCycleStarted(LifeCycle event) {
        sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("hub-jetty-requests")
            .factory());
        sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public void lifeCycleStopping(LifeCycle event) {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            int heads = 0;
            int bodies = 0;
            Set<EndPoint> seen = new HashSet<>();
            for (Connector connector : server.getConnectors()) {
                for (EndPoint endPoint : connector.getConnectedEndPoints()) {
                    seen.add(endPoint);
                    Arriving seenNow = arriving(endPoint, now);
                    if (seenNow == null) {
                        arriving.remove(endPoint);
                        continue;
                    }
                    boolean body = seenNow.body();
                    Arriving since = arriving.merge(endPoint, seenNow,
                            (was, is) -> was.body() == is.body() && was.request() == is.request() ? was : is);
                    if (now - since.since() > (body ? bodyLimit : headLimit)) {
                        arriving.remove(endPoint);
                        endPoint.close();
                        if (body) {
                            bodies++;
                        }
                        else {
                            heads++;
                        }
                    }
                }
            }
            arriving.keySet().retainAll(seen);
            if (heads > 0 || bodies > 0) {
                log.info("Closed {} connections whose request head had not arrived within {} s and {} whose body had "
                        + "not within {} s", heads, TimeUnit.NANOSECONDS.toSeconds(headLimit), bodies,
                        TimeUnit.NANOSECONDS.toSeconds(bodyLimit));
            }
        }
        catch (RuntimeException ex) {
            log.warn("Checking Jetty's requests failed: {}", ex.toString());
        }
    }

    /** The head or body arriving on the connection now, or {@code null} when neither is. */
    private static Arriving arriving(EndPoint endPoint, long now) {
        if (!(endPoint.getConnection() instanceof HttpConnection connection)) {
            return null;
        }
        HttpParser.State state = connection.getParser().getState();
        Boolean body = switch (state) {
            case METHOD, SPACE1, URI, SPACE2, REQUEST_VERSION, PROXY, HEADER -> Boolean.FALSE;
            case CONTENT, EOF_CONTENT, CHUNKED_CONTENT, CHUNK_SIZE, CHUNK, CHUNK_END, TRAILER -> Boolean.TRUE;
            default -> null;
        };
        return body == null ? null : new Arriving(body, connection.getMessagesIn(), now);
    }
}
