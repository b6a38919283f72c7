package dev.livehub.hub.jetty;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The event loops that write the streams of a Jetty server's port ({@link JettyStreamHandler}): one thread each, one
 * per core by default, a stream on one loop for its whole life (its writer's tasks run in order, as on a Netty channel's
 * loop), streams spread over them in turn. A loop only formats and hands bytes to Jetty, which writes them without
 * blocking: no thread is held per stream.
 *
 * <p>Thread-safety: {@link #next()} and {@link #close()} from any thread.
 */
public final class JettyStreamLoops implements AutoCloseable {

    private final ScheduledThreadPoolExecutor[] loops;

    private final AtomicInteger turn = new AtomicInteger();

    /** @param count 1 or more loops */
    public JettyStreamLoops(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("loops: " + count + "; at least 1");
        }
        loops = new ScheduledThreadPoolExecutor[count];
        for (int i = 0; i < count; i++) {
            String name = "hub-stream-loop-" + i;
            ScheduledThreadPoolExecutor loop = new ScheduledThreadPoolExecutor(1, task -> {
                Thread thread = new Thread(task, name);
                thread.setDaemon(true);
                return thread;
            });
            // A stream's heartbeat is rescheduled at every write: a cancelled one must not wait in the queue.
            loop.setRemoveOnCancelPolicy(true);
            loops[i] = loop;
        }
    }

    /** The loop of a new stream. */
    ScheduledThreadPoolExecutor next() {
        return loops[Math.floorMod(turn.getAndIncrement(), loops.length)];
    }

    /** Stops every loop; tasks queued are dropped (their streams have ended with the hub's drain). */
    @Override
    public void close() {
        for (ScheduledThreadPoolExecutor loop : loops) {
            loop.shutdownNow();
        }
        for (ScheduledThreadPoolExecutor loop : loops) {
            try {
                loop.awaitTermination(5, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
