package dev.livehub.hub.autoconfigure;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.ServletException;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.ActionCode;
import org.apache.tomcat.util.net.SocketWrapperBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A total time limit for a request body on Tomcat's port, which Tomcat lacks: its {@code connectionTimeout} bounds
 * each read, so a body trickled one byte every few seconds holds its connection (and a worker thread) for ever, on any
 * path, and a body the application never read is swallowed by Tomcat after the answer just as slowly. An engine valve,
 * so every request passes it once its head is in:
 * <ul>
 * <li>while the application serves a request, every second each one whose body is still unfinished more than the
 * limit after its head has its socket's input shut down: the blocked read ends (end of stream), and Tomcat fails the
 * request and closes the connection the way it closes any broken one, its slot freed;</li>
 * <li>a request the application answered without reading its whole body (a 401 from its head, a 405) is not swallowed:
 * the connection closes after the answer.</li>
 * </ul>
 * Streams (async requests) have no body and are never touched.
 */
final class TomcatRequestBodies extends ValveBase {

    private static final Logger log = LoggerFactory.getLogger(TomcatRequestBodies.class);

    private final long limitNanos;

    private final Duration limit;

    /** Requests in the application, by when their head was in; each with the shutdown done flag. */
    private final Map<org.apache.coyote.Request, Long> serving = new ConcurrentHashMap<>();

    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("hub-tomcat-bodies").factory());

    private static final Field HOOK;

    private static final Method SOCKET_WRAPPER;

    static {
        Field hook = null;
        Method socketWrapper = null;
        try {
            hook = org.apache.coyote.Request.class.getDeclaredField("hook");
            hook.setAccessible(true);
            socketWrapper = AbstractProcessor.class.getDeclaredMethod("getSocketWrapper");
            socketWrapper.setAccessible(true);
        }
        catch (ReflectiveOperationException | RuntimeException ex) {
            log.warn("Tomcat's sockets are out of reach ({}): request bodies have no total time limit", ex.toString());
        }
        HOOK = hook;
        SOCKET_WRAPPER = socketWrapper;
    }

    TomcatRequestBodies(Duration limit) {
        super(true);
        this.limit = limit;
        this.limitNanos = limit.toNanos();
    }

    @Override
    protected void startInternal() throws LifecycleException {
        super.startInternal();
        sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    protected void stopInternal() throws LifecycleException {
        sweeper.shutdownNow();
        super.stopInternal();
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        org.apache.coyote.Request coyote = request.getCoyoteRequest();
        serving.put(coyote, System.nanoTime());
        try {
            getNext().invoke(request, response);
        }
        finally {
            serving.remove(coyote);
            if (!request.isAsync() && !fullyRead(coyote)) {
                // Answered with its body unread: Tomcat would swallow the rest as slowly as it comes.
                coyote.action(ActionCode.DISABLE_SWALLOW_INPUT, null);
            }
        }
    }

    private void sweep() {
        try {
            long now = System.nanoTime();
            int closed = 0;
            for (Map.Entry<org.apache.coyote.Request, Long> entry : serving.entrySet()) {
                long since = entry.getValue();
                if (since != Long.MIN_VALUE && now - since > limitNanos && !fullyRead(entry.getKey())
                        && shutInput(entry.getKey())) {
                    // Once: the request leaves the map when its read fails.
                    entry.setValue(Long.MIN_VALUE);
                    closed++;
                }
            }
            if (closed > 0) {
                log.info("Closed {} connections whose request body had not arrived within {} s of its head", closed,
                        limit.toSeconds());
            }
        }
        catch (RuntimeException ex) {
            log.warn("Checking Tomcat's request bodies failed: {}", ex.toString());
        }
    }

    private static boolean fullyRead(org.apache.coyote.Request request) {
        AtomicBoolean read = new AtomicBoolean();
        request.action(ActionCode.REQUEST_BODY_FULLY_READ, read);
        return read.get();
    }

    /** Ends the socket's input: a read blocked on it returns the end of the stream at once. */
    private static boolean shutInput(org.apache.coyote.Request request) {
        if (HOOK == null || SOCKET_WRAPPER == null) {
            return false;
        }
        try {
            if (!(HOOK.get(request) instanceof AbstractProcessor processor)
                    || !(SOCKET_WRAPPER.invoke(processor) instanceof SocketWrapperBase<?> wrapper)) {
                return false;
            }
            Object socket = wrapper.getSocket();
            Object channel = socket == null ? null : socket.getClass().getMethod("getIOChannel").invoke(socket);
            if (channel instanceof SocketChannel nio) {
                nio.shutdownInput();
                return true;
            }
            if (channel instanceof AsynchronousSocketChannel nio2) {
                nio2.shutdownInput();
                return true;
            }
            return false;
        }
        catch (ReflectiveOperationException | IOException | RuntimeException ex) {
            log.debug("Could not end a slow request body's input: {}", ex.toString());
            return false;
        }
    }
}
