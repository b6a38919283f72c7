package dev.livehub.hub.web;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;

import dev.livehub.hub.SseOutput;

/**
 * A stream's bytes into the container's own response of an async request, past every filter's wrapper. Nothing is
 * written before {@link #begin}: the request thread commits the response head first, so no filter (Spring Security's
 * header writer, Spring Session's) ever touches the response while the stream's writer does. Once the response is
 * completed (by the stream, or by the container: timeout, error) a send fails like a broken pipe and touches nothing,
 * since the container recycles a completed response.
 */
final class ServletOutput implements SseOutput {

    /** How long a send waits for the request thread to commit the head; that thread is at most a few calls away. */
    private static final long BEGIN_TIMEOUT_SECONDS = 30;

    private final CountDownLatch begun = new CountDownLatch(1);

    /** Held while bytes are written and while the response is completed: never both at once. */
    private final ReentrantLock writing = new ReentrantLock();

    private AsyncContext async;

    private ServletOutputStream out;

    private boolean completed;

    /** The head is committed: frames may go. */
    void begin(AsyncContext async) throws IOException {
        ServletOutputStream stream = async.getResponse().getOutputStream();
        writing.lock();
        try {
            this.async = async;
            this.out = stream;
            if (completed) {
                // The stream ended before its response was handed over.
                async.complete();
            }
        }
        finally {
            writing.unlock();
            begun.countDown();
        }
    }

    /** The head could not be committed: the stream's sends fail. */
    void abandon() {
        writing.lock();
        try {
            completed = true;
        }
        finally {
            writing.unlock();
            begun.countDown();
        }
    }

    /** The container completed the response (after a timeout or a failed connection): nothing more is written. */
    void completed() {
        writing.lock();
        try {
            completed = true;
        }
        finally {
            writing.unlock();
        }
    }

    @Override
    public void send(byte[] bytes) throws IOException {
        try {
            if (!begun.await(BEGIN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("the response head was not committed within " + BEGIN_TIMEOUT_SECONDS + " s");
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the response head", ex);
        }
        writing.lock();
        try {
            if (completed || out == null) {
                throw new IOException("the response is already complete");
            }
            out.write(bytes);
            out.flush();
        }
        catch (IOException ex) {
            if (DeadPeer.causedBy(ex)) {
                // TCP_USER_TIMEOUT (ListenerUserTimeout): the kernel dropped a connection nobody acknowledged.
                throw new DeadPeer("the client acknowledged nothing: " + ex.getMessage());
            }
            throw ex;
        }
        finally {
            writing.unlock();
        }
    }

    @Override
    public void close() {
        writing.lock();
        try {
            if (completed) {
                return;
            }
            completed = true;
            if (async != null) {
                async.complete();
            }
        }
        catch (IllegalStateException ex) {
            // The container completed it already.
        }
        finally {
            writing.unlock();
        }
    }
}
