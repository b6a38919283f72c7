package dev.livehub.hub.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Delayed;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.livehub.hub.EventLoopOutput;
import dev.livehub.hub.SseOutput;

/**
 * An {@link EventLoopOutput} on a loop of its own (one thread, its timers removed when cancelled), for tests of the
 * event-loop writer without a network: it records each flushed write as a browser would parse it, can be backed up
 * (a client that stops reading) and released, and counts the tasks its loop holds.
 */
public final class LoopOutput implements EventLoopOutput {

    private final ScheduledThreadPoolExecutor loop;

    private final Duration writeTimeout;

    private final EventLog log = new EventLog();

    private final SseParser parser = new SseParser(log::add);

    private final ByteArrayOutputStream unflushed = new ByteArrayOutputStream();

    /** Every write, in order. */
    private final List<String> writes = new ArrayList<>();

    /** What each flush sent, in order: what the client receives. */
    private final List<String> flushes = new ArrayList<>();

    /** When each flush was, in {@link System#nanoTime()}. */
    private final List<Long> flushTimes = new ArrayList<>();

    private final AtomicInteger closes = new AtomicInteger();

    private final CountDownLatch closed = new CountDownLatch(1);

    private volatile Thread loopThread;

    private volatile boolean offLoopWrite;

    private volatile boolean backedUp;

    private volatile Runnable ready;

    public LoopOutput(Duration writeTimeout) {
        this.writeTimeout = writeTimeout;
        this.loop = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "test-loop");
            thread.setDaemon(true);
            loopThread = thread;
            return thread;
        });
        loop.setRemoveOnCancelPolicy(true);
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
    public void onReady(Runnable ready) {
        this.ready = ready;
    }

    @Override
    public boolean isBackedUp() {
        return closes.get() == 0 && backedUp;
    }

    @Override
    public synchronized void write(byte[] bytes) throws IOException {
        if (Thread.currentThread() != loopThread) {
            offLoopWrite = true;
        }
        if (closes.get() > 0) {
            throw new IOException("the client closed the stream");
        }
        unflushed.writeBytes(bytes);
        writes.add(new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public synchronized void flush() {
        if (unflushed.size() == 0) {
            return;
        }
        String chunk = unflushed.toString(StandardCharsets.UTF_8);
        unflushed.reset();
        flushes.add(chunk);
        flushTimes.add(System.nanoTime());
        parser.feed(chunk);
    }

    @Override
    public Duration writeTimeout() {
        return writeTimeout;
    }

    @Override
    public IOException timedOut() {
        close();
        return new SseOutput.DeadPeer("the client read nothing for " + writeTimeout.toMillis() + " ms");
    }

    @Override
    public void close() {
        closes.incrementAndGet();
        closed.countDown();
        Runnable writer = ready;
        if (writer != null) {
            loop.execute(writer);
        }
    }

    /** The client stops reading: the writer must wait. */
    public void backUp() {
        backedUp = true;
    }

    /** The client has read what it was sent: the writer is told, on the loop. */
    public void release() {
        backedUp = false;
        loop.execute(() -> ready.run());
    }

    /** Waits until the loop has run every task queued before this call (timers not yet due excepted). */
    public void awaitLoop() throws Exception {
        loop.submit(() -> { }).get(10, TimeUnit.SECONDS);
    }

    /** Holds the loop until the returned latch is counted down, as a busy loop would. */
    public CountDownLatch holdLoop() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> {
            held.countDown();
            try {
                release.await();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
        held.await(10, TimeUnit.SECONDS);
        return release;
    }

    /** Tasks waiting on the loop that are due now (drains), not timers. */
    public long dueTasks() {
        return loop.getQueue().stream().filter(task -> ((Delayed) task).getDelay(TimeUnit.NANOSECONDS) <= 0).count();
    }

    /** Every task the loop holds: due ones and timers (heartbeat, stream end, write timeout). */
    public int tasks() {
        return loop.getQueue().size();
    }

    public EventLog events() {
        return log;
    }

    public SseParser parser() {
        return parser;
    }

    /** Every write so far. */
    public synchronized List<String> writes() {
        return List.copyOf(writes);
    }

    /** What each flush so far sent. */
    public synchronized List<String> flushes() {
        return List.copyOf(flushes);
    }

    /** When each flush so far was, in {@link System#nanoTime()}. */
    public synchronized List<Long> flushTimes() {
        return List.copyOf(flushTimes);
    }

    /** Everything the client received, as one string. */
    public synchronized String received() {
        return String.join("", flushes);
    }

    public int closes() {
        return closes.get();
    }

    /** Whether anything was written from another thread than the loop's. */
    public boolean wroteOffLoop() {
        return offLoopWrite;
    }

    public boolean awaitClosed(Duration timeout) throws InterruptedException {
        return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the loop. */
    public void shutdown() {
        loop.shutdownNow();
    }
}
