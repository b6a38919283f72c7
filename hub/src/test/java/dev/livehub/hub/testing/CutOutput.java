package dev.livehub.hub.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.livehub.hub.SseOutput;

/**
 * An {@link SseOutput} whose client receives only the first {@code keep} events and then loses the connection, wherever
 * the writer's flushes fall: the events after them, in the same write or later, never reach it.
 */
public final class CutOutput implements SseOutput {

    private final int keep;

    private final List<SseEvent> received = new ArrayList<>();

    private final SseParser parser = new SseParser(this::receive);

    public CutOutput(int keep) {
        this.keep = keep;
    }

    private synchronized void receive(SseEvent event) {
        if (received.size() < keep) {
            received.add(event);
            notifyAll();
        }
    }

    @Override
    public synchronized void send(byte[] bytes) throws IOException {
        if (received.size() >= keep) {
            throw new IOException("client gone");
        }
        parser.feed(new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
    }

    /**
     * Waits until the client got all the events it keeps, and returns them, each with the id a browser would resume
     * from after it ({@code null}: none yet).
     */
    public synchronized List<SseEvent> awaitCut(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (received.size() < keep) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("waited " + timeout.toMillis() + " ms for " + keep + " events; got " + received);
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return List.copyOf(received);
    }
}
