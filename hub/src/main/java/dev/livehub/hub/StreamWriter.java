package dev.livehub.hub;

import java.io.IOException;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer of one stream on a thread of its own, for an output whose writes block (the servlet response): sends the
 * preamble ({@code retry:} with jitter), then what its {@link StreamQueue} holds, a batch per write, a {@code : ping}
 * comment after every heartbeat interval without one, and ends the stream at its lifetime or at its authentication's
 * expiry, whichever comes first, as its {@link StreamPlan} says. Its last write says why it ended:
 * {@code auth-expired}, a short {@code retry:}. An output driven by an event loop gets an
 * {@link EventLoopStreamWriter} instead, with the same plan.
 *
 * <p>Thread-safety: {@link #run()} runs once, on a thread of its own, and is the only one to write to the output; it
 * ends when the queue closes or the client goes, then closes the output and calls the on-end callback, once.
 */
final class StreamWriter implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(StreamWriter.class);

    private final String user;

    private final SseOutput output;

    private final StreamQueue queue;

    private final HubSettings settings;

    private final HubMetrics metrics;

    /** When the user's authentication ends (a token's expiry), or {@code null}: the stream ends then. */
    private final Instant authExpiry;

    private final Runnable onEnd;

    /**
     * @param authExpiry when the user's authentication ends, or {@code null}
     * @param onEnd called once the stream has ended and its output is closed (gives the stream's slot back)
     */
    StreamWriter(String user, SseOutput output, StreamQueue queue, HubSettings settings, HubMetrics metrics,
            Instant authExpiry, Runnable onEnd) {
        this.user = user;
        this.output = output;
        this.queue = queue;
        this.settings = settings;
        this.metrics = metrics;
        this.authExpiry = authExpiry;
        this.onEnd = onEnd;
    }

    @Override
    public void run() {
        try {
            write();
        }
        finally {
            output.close();
            onEnd.run();
        }
    }

    private void write() {
        StringBuilder frames = new StringBuilder(256);
        try {
            StreamPlan plan = new StreamPlan(settings, authExpiry);
            long deadline = plan.deadline();
            output.send(plan.preamble());
            long nextPing = System.nanoTime() + plan.heartbeatNanos();
            while (!queue.isClosed()) {
                long now = System.nanoTime();
                StreamQueue.Queued next = queue.poll(Math.max(0, Math.min(nextPing, deadline) - now));
                if (queue.isClosed()) {
                    break;
                }
                frames.setLength(0);
                int events = 0;
                if (next == null && System.nanoTime() - nextPing >= 0) {
                    StreamPlan.appendPing(frames);
                }
                if (next != null) {
                    // Write what is already queued in one flush, up to a bound so one write stays small.
                    events = StreamPlan.appendBatch(frames, next, queue, metrics);
                }
                if (!frames.isEmpty()) {
                    output.send(StreamPlan.bytes(frames));
                    metrics.delivered.increment(events);
                    nextPing = System.nanoTime() + plan.heartbeatNanos();
                }
                if (System.nanoTime() - deadline >= 0) {
                    plan.end(queue);
                }
            }
            byte[] last = StreamPlan.finalFrames(queue);
            if (last != null) {
                output.send(last);
            }
        }
        catch (IOException ex) {
            StreamPlan.clientGone(ex, user, metrics, log);
            queue.close(-1);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            queue.close(-1);
        }
        catch (RuntimeException ex) {
            log.warn("Stream of user {} failed", user, ex);
            queue.close(-1);
        }
    }
}
