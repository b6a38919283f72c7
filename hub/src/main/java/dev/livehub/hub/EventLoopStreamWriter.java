package dev.livehub.hub;

import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer of one stream whose output belongs to an event loop ({@link EventLoopOutput}: a Netty channel), with no
 * thread of its own: the same frames, batches, heartbeat and end as {@link StreamWriter} ({@link StreamPlan}), written
 * by tasks on the output's loop. A live event thus goes from the engine's I/O thread to the loop that writes it, with
 * no thread woken between them, and an idle stream costs no parked thread and no timer per wait.
 *
 * <p>How it runs: its {@link StreamQueue} tells it of every event queued and of the close ({@link #signal()}), which
 * queues one drain on the loop unless one is queued already. A drain writes what the outbox holds, a batch per write,
 * flushes once, and stops when the output is {@link EventLoopOutput#isBackedUp() backed up}: the output's
 * {@link EventLoopOutput#onReady ready} queues the next; an output backed up for its write timeout is a gone client
 * ({@code hub.streams.dead.peers} when it read nothing). The heartbeat and the stream's end are one scheduled task
 * each, rescheduled, never a timer per event.
 *
 * <p>Thread-safety: {@link #start()} runs once, on the thread that opens the stream; {@link #signal()} on any thread;
 * everything else on the output's event loop, which is the only one to write to the output. When the stream has
 * ended, the writer closes the output and then calls the on-end callback, once.
 */
final class EventLoopStreamWriter {

    private static final Logger log = LoggerFactory.getLogger(EventLoopStreamWriter.class);

    /** Batches one drain writes before it lets the loop's other channels go first (it goes on in a task of its own). */
    private static final int BATCHES_PER_DRAIN = 16;

    private final String user;

    private final EventLoopOutput output;

    private final StreamQueue queue;

    private final HubSettings settings;

    private final HubMetrics metrics;

    /** When the user's authentication ends (a token's expiry), or {@code null}: the stream ends then. */
    private final Instant authExpiry;

    private final Runnable onEnd;

    /** A drain is queued on the loop, or the writer waits for the output to be ready: a signal queues nothing. */
    private final AtomicBoolean scheduled = new AtomicBoolean();

    private final AtomicBoolean ended = new AtomicBoolean();

    /** One task object for every drain, not one per signal. */
    private final Runnable drain = this::drain;

    // Only the loop touches what follows.

    private final StringBuilder frames = new StringBuilder(256);

    /** Made when the preamble is written; {@code null} before. */
    private StreamPlan plan;

    /** The last write, in {@link System#nanoTime()}: the heartbeat counts from it. */
    private long lastWrite;

    /** The output is backed up since {@link #backedUpSince}. */
    private boolean backedUp;

    private long backedUpSince;

    private Future<?> heartbeat;

    private Future<?> lifetime;

    private Future<?> stallCheck;

    /**
     * @param authExpiry when the user's authentication ends, or {@code null}
     * @param onEnd called once the stream has ended and its output is closed (gives the stream's slot back)
     */
    EventLoopStreamWriter(String user, EventLoopOutput output, StreamQueue queue, HubSettings settings,
            HubMetrics metrics, Instant authExpiry, Runnable onEnd) {
        this.user = user;
        this.output = output;
        this.queue = queue;
        this.settings = settings;
        this.metrics = metrics;
        this.authExpiry = authExpiry;
        this.onEnd = onEnd;
    }

    /**
     * Starts writing: the first drain waits for the response head, then writes the preamble.
     *
     * @throws RejectedExecutionException when the output's loop has shut down
     */
    void start() {
        queue.onChange(this::signal);
        output.onReady(this::ready);
        scheduled.set(true);
        output.execute(drain);
    }

    /** Something was queued, or the stream closed: drain, unless a drain is queued or waits for the output. */
    void signal() {
        if (scheduled.compareAndSet(false, true)) {
            drainLater();
        }
    }

    /** The output may take more (its head is written, the client read, or it closed): drain. On the loop. */
    private void ready() {
        scheduled.set(true);
        drainLater();
    }

    private void drainLater() {
        try {
            output.execute(drain);
        }
        catch (RejectedExecutionException ex) {
            // The loop has shut down, and closed its channels with it: nothing more can be written.
            log.debug("Stream of user {} ended with its event loop", user);
            queue.close(-1);
            finish();
        }
    }

    private void drain() {
        // From here, what is queued is seen by this drain or signals the next one.
        scheduled.set(false);
        if (ended.get()) {
            return;
        }
        try {
            if (output.isBackedUp()) {
                waitUntilReady();
                return;
            }
            backedUp = false;
            if (plan == null) {
                begin();
            }
            if (writeQueued() && queue.isClosed()) {
                end();
            }
        }
        catch (IOException ex) {
            failed(ex);
        }
        catch (RejectedExecutionException ex) {
            // Its timers cannot be set: the loop is shutting down, with its channels.
            queue.close(-1);
            finish();
        }
        catch (RuntimeException ex) {
            log.warn("Stream of user {} failed", user, ex);
            queue.close(-1);
            finish();
        }
    }

    /** The preamble, and the stream's heartbeat and end on the loop's timers. */
    private void begin() throws IOException {
        plan = new StreamPlan(settings, authExpiry);
        output.send(plan.preamble());
        long now = System.nanoTime();
        lastWrite = now;
        heartbeat = output.schedule(this::heartbeat, plan.heartbeatNanos(), TimeUnit.NANOSECONDS);
        lifetime = output.schedule(() -> plan.end(queue), Math.max(0, plan.deadline() - now), TimeUnit.NANOSECONDS);
    }

    /**
     * Writes what the outbox holds, a batch per write, and flushes once.
     *
     * @return true when it wrote everything; false when it stopped early (the output is backed up, or the loop's other
     *         channels go first) and a later drain goes on
     */
    private boolean writeQueued() throws IOException {
        int batches = 0;
        try {
            while (!queue.isClosed()) {
                StreamQueue.Queued first = queue.poll();
                if (first == null) {
                    return true;
                }
                frames.setLength(0);
                int events = StreamPlan.appendBatch(frames, first, queue, metrics);
                if (frames.isEmpty()) {
                    continue;
                }
                output.write(StreamPlan.bytes(frames));
                metrics.delivered.increment(events);
                batches++;
                if (output.isBackedUp()) {
                    waitUntilReady();
                    return false;
                }
                if (batches == BATCHES_PER_DRAIN) {
                    scheduled.set(true);
                    drainLater();
                    return false;
                }
            }
            return true;
        }
        finally {
            if (batches > 0) {
                output.flush();
                lastWrite = System.nanoTime();
            }
        }
    }

    /** Stops until the output is ready; one that stays backed up past its write timeout has lost its client. */
    private void waitUntilReady() {
        // Signals queue nothing meanwhile: ready drains.
        scheduled.set(true);
        if (!backedUp) {
            backedUp = true;
            backedUpSince = System.nanoTime();
        }
        if (stallCheck == null) {
            stallCheck = output.schedule(this::checkStall, output.writeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void checkStall() {
        stallCheck = null;
        if (ended.get() || !backedUp) {
            return;
        }
        if (!output.isBackedUp()) {
            ready();
            return;
        }
        long left = backedUpSince + output.writeTimeout().toNanos() - System.nanoTime();
        if (left > 0) {
            stallCheck = output.schedule(this::checkStall, left, TimeUnit.NANOSECONDS);
            return;
        }
        failed(output.timedOut());
    }

    /** A {@code : ping} when nothing was written for a heartbeat; the next check, a heartbeat after the last write. */
    private void heartbeat() {
        heartbeat = null;
        if (ended.get()) {
            return;
        }
        long now = System.nanoTime();
        long due = lastWrite + plan.heartbeatNanos();
        if (due - now <= 0) {
            // A backed-up output gets no ping: the client has not read what it was sent yet.
            if (!output.isBackedUp() && !queue.isClosed()) {
                frames.setLength(0);
                StreamPlan.appendPing(frames);
                try {
                    output.send(StreamPlan.bytes(frames));
                }
                catch (IOException ex) {
                    failed(ex);
                    return;
                }
                lastWrite = now;
            }
            due = now + plan.heartbeatNanos();
        }
        heartbeat = output.schedule(this::heartbeat, due - now, TimeUnit.NANOSECONDS);
    }

    /** The stream closed and everything before the close is written: its last frames, then the end. */
    private void end() {
        byte[] last = StreamPlan.finalFrames(queue);
        if (last != null) {
            try {
                output.send(last);
            }
            catch (IOException ex) {
                failed(ex);
                return;
            }
        }
        finish();
    }

    private void failed(IOException ex) {
        StreamPlan.clientGone(ex, user, metrics, log);
        queue.close(-1);
        finish();
    }

    /** Stops the stream's tasks, closes the output, and gives the stream's slot back; once. */
    private void finish() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        queue.onChange(null);
        cancel(heartbeat);
        cancel(lifetime);
        cancel(stallCheck);
        try {
            output.close();
        }
        finally {
            onEnd.run();
        }
    }

    private static void cancel(Future<?> task) {
        if (task != null) {
            task.cancel(false);
        }
    }
}
