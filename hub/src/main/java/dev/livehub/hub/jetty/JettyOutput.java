package dev.livehub.hub.jetty;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import dev.livehub.hub.EventLoopOutput;
import dev.livehub.hub.SseOutput;
import dev.livehub.hub.admission.OpenStream;

/**
 * A stream's bytes onto a Jetty response, through Jetty's core API ({@link Response#write}): no servlet output buffer,
 * no thread held per stream. Its writer runs on one of the {@link JettyStreamLoops}; Jetty takes one write at a time,
 * and what the writer writes meanwhile is queued and goes in the next. The output is backed up until its response head
 * is written, and while more than {@link #HIGH_WATER} bytes wait for a client that does not read (Netty's default high
 * water mark, as on the stream port).
 *
 * <p>A closed connection is noticed at once: once the head is out, the output watches an HTTP/1 connection for reading
 * (a stream's client sends nothing more) and takes its end of input (FIN) as the client gone; Jetty itself would notice
 * only at the next write, the heartbeat. The connection is not reused after a stream ({@code Connection: close}).
 *
 * <p>Thread-safety: as {@link EventLoopOutput}; {@link #begin} once, from the thread that admitted the stream. The
 * handler's callback is completed once, when the response ends (the hub closed it) or fails (the client is gone, a
 * write timed out); the stream is then ended.
 */
final class JettyOutput implements EventLoopOutput {

    /** Bytes queued for a client, in Jetty's write and behind it, past which the writer waits. */
    static final int HIGH_WATER = 64 * 1024;

    private final Request request;

    private final Response response;

    private final Callback done;

    private final ScheduledExecutorService loop;

    private final Duration writeTimeout;

    private final AtomicBoolean completed = new AtomicBoolean();

    private final Callback written = Callback.from(() -> onLoop(this::afterWrite), this::fail);

    /** The response head is written: frames may go. */
    private volatile boolean begun;

    /** Why the response failed; {@code null} while it has not. */
    private volatile Throwable failure;

    private volatile Runnable ready;

    private volatile OpenStream stream;

    // Only the loop touches what follows.

    /** Jetty is writing {@link #inFlight} bytes. */
    private boolean writing;

    private int inFlight;

    /** The hub has closed the output: the response ends once what is queued is written. */
    private boolean closing;

    private byte[] pending;

    private int pendingLength;

    JettyOutput(Request request, Response response, Callback done, ScheduledExecutorService loop,
            Duration writeTimeout) {
        this.request = request;
        this.response = response;
        this.done = done;
        this.loop = loop;
        this.writeTimeout = writeTimeout;
    }

    /**
     * Writes the response head of the admitted {@code stream}; the writer writes once it is out. The head's fields
     * are set by the caller.
     *
     * @param idleTimeout the connection's idle timeout while it streams; more than a heartbeat
     */
    void begin(OpenStream stream, Duration idleTimeout) {
        this.stream = stream;
        // An idle timeout, or a connection failed while no write was pending.
        request.addFailureListener(this::fail);
        // HTTP/1.1 and 1.0: the connection is this stream's alone. Over HTTP/2 it carries other requests' streams too:
        // its idle timeout and its reads are Jetty's, and a closed stream is a reset Jetty reports as a failure.
        EndPoint endPoint = isHttp1(request) ? request.getConnectionMetaData().getConnection().getEndPoint() : null;
        if (endPoint != null) {
            endPoint.setIdleTimeout(Math.max(endPoint.getIdleTimeout(), idleTimeout.toMillis()));
        }
        response.write(false, BufferUtil.EMPTY_BUFFER, Callback.from(() -> onLoop(() -> {
            begun = true;
            if (endPoint != null) {
                watchForClose(endPoint);
            }
            afterWrite();
        }), this::fail));
    }

    /** Whether the request came over HTTP/1.1 or 1.0, on a connection of its own. */
    static boolean isHttp1(Request request) {
        HttpVersion version = request.getConnectionMetaData().getHttpVersion();
        return version == HttpVersion.HTTP_1_1 || version == HttpVersion.HTTP_1_0;
    }

    /**
     * Waits for the client's end of input: a stream's client sends nothing after its request, so readable means
     * closed (or, rarely, bytes that are read and dropped). Read from the socket itself where there is one: Jetty's
     * {@code fill} reports a connection the kernel dropped ({@code ETIMEDOUT}, a client gone without closing) as a plain
     * end of input, and the hub counts those apart ({@code hub.streams.dead.peers}).
     */
    private void watchForClose(EndPoint endPoint) {
        if (failure != null) {
            return;
        }
        // False when Jetty reads the connection itself: the heartbeat then finds a closed client.
        endPoint.tryFillInterested(Callback.from(() -> {
            try {
                int read = endPoint instanceof SocketChannelEndPoint socket ? drain(socket.getChannel())
                        : drain(endPoint);
                if (read < 0) {
                    fail(new EofException("the client closed the stream"));
                }
                else {
                    watchForClose(endPoint);
                }
            }
            catch (IOException ex) {
                fail(ex);
            }
        }, this::fail));
    }

    /** Reads and drops what is there: -1 at the end of input, else 0. */
    private static int drain(SocketChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        int read;
        while ((read = channel.read(buffer)) > 0) {
            buffer.clear();
        }
        return read;
    }

    private static int drain(EndPoint endPoint) throws IOException {
        ByteBuffer buffer = BufferUtil.allocate(64);
        int read;
        while ((read = endPoint.fill(buffer)) > 0) {
            BufferUtil.clear(buffer);
        }
        return read;
    }

    /** Runs on the loop; a loop shut down has ended its streams: the response fails. */
    private void onLoop(Runnable task) {
        try {
            loop.execute(task);
        }
        catch (RejectedExecutionException ex) {
            complete(new EofException("the hub has stopped"));
        }
    }

    /** The head or a write is out (on the loop): the next write goes, or the response ends; the writer may go on. */
    private void afterWrite() {
        writing = false;
        inFlight = 0;
        if (failure == null) {
            if (pending != null) {
                flush();
            }
            else if (closing) {
                end();
            }
        }
        ready();
    }

    private void ready() {
        Runnable writer = ready;
        if (writer != null) {
            writer.run();
        }
    }

    /** The response failed (any thread): the client is gone, or a write or the connection timed out. */
    private void fail(Throwable cause) {
        if (failure == null) {
            failure = cause;
        }
        complete(cause);
        onLoop(this::ready);
    }

    /** Completes the handler's callback and ends the stream, once: {@code cause} is {@code null} when it ended well. */
    private void complete(Throwable cause) {
        if (!completed.compareAndSet(false, true)) {
            return;
        }
        if (cause == null) {
            done.succeeded();
        }
        else {
            done.failed(cause);
        }
        OpenStream open = stream;
        if (open != null) {
            if (cause != null && SseOutput.DeadPeer.causedBy(cause)) {
                open.endDeadPeer();
            }
            else {
                open.end();
            }
        }
    }

    @Override
    public void onReady(Runnable ready) {
        this.ready = ready;
    }

    @Override
    public void execute(Runnable task) {
        loop.execute(task);
    }

    @Override
    public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
        return loop.schedule(task, delay, unit);
    }

    @Override
    public boolean isBackedUp() {
        // A failed output is not backed up, head written or not: the writer's next write fails and ends the stream.
        return failure == null && (!begun || inFlight + pendingLength > HIGH_WATER);
    }

    @Override
    public void write(byte[] bytes) throws IOException {
        if (failure != null) {
            throw new IOException("the client closed the stream");
        }
        if (pending == null) {
            pending = bytes;
        }
        else {
            if (pending.length < pendingLength + bytes.length) {
                byte[] grown = new byte[Math.max(pending.length * 2, pendingLength + bytes.length)];
                System.arraycopy(pending, 0, grown, 0, pendingLength);
                pending = grown;
            }
            System.arraycopy(bytes, 0, pending, pendingLength, bytes.length);
        }
        pendingLength += bytes.length;
    }

    @Override
    public void flush() {
        if (!begun || writing || failure != null || pending == null) {
            return;
        }
        ByteBuffer bytes = ByteBuffer.wrap(pending, 0, pendingLength);
        writing = true;
        inFlight = pendingLength;
        pending = null;
        pendingLength = 0;
        response.write(false, bytes, written);
    }

    @Override
    public Duration writeTimeout() {
        return writeTimeout;
    }

    @Override
    public IOException timedOut() {
        IOException why = begun ? new SseOutput.DeadPeer("the client read nothing for " + writeTimeout.toMillis()
                + " ms") : new IOException("the response head was not sent within " + writeTimeout.toMillis() + " ms");
        fail(why);
        return why;
    }

    @Override
    public void close() {
        onLoop(() -> {
            closing = true;
            if (begun && !writing) {
                end();
            }
        });
    }

    /** The last (empty) chunk, after everything queued (on the loop); then the handler's callback succeeds. */
    private void end() {
        if (failure != null) {
            return;
        }
        if (pending != null) {
            flush();
            return;
        }
        writing = true;
        response.write(true, BufferUtil.EMPTY_BUFFER, Callback.from(() -> complete(null), this::fail));
    }
}
