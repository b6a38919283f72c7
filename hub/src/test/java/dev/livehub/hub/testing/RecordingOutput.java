package dev.livehub.hub.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

import dev.livehub.hub.SseOutput;

/**
 * An {@link SseOutput} that parses what the hub writes, as a browser would, for tests of the core without HTTP.
 */
public final class RecordingOutput implements SseOutput {

    private final EventLog log = new EventLog();

    private final SseParser parser = new SseParser(log::add);

    private final CountDownLatch closed = new CountDownLatch(1);

    private volatile boolean failing;

    @Override
    public synchronized void send(byte[] bytes) throws IOException {
        if (failing) {
            throw new IOException("client gone");
        }
        parser.feed(new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        closed.countDown();
    }

    /** From now on every send fails, as when the browser went away. */
    public void breakConnection() {
        failing = true;
    }

    public EventLog events() {
        return log;
    }

    public SseParser parser() {
        return parser;
    }

    public boolean awaitClosed(java.time.Duration timeout) throws InterruptedException {
        return closed.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }
}
