package dev.livehub.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer of one stream: sends the preamble ({@code retry:} with jitter), then what its {@link StreamQueue} holds,
 * a batch per write, a {@code : ping} comment after every heartbeat interval without one, and ends the stream at its
 * lifetime (less up to a tenth, so streams opened together do not end together) or at its authentication's expiry,
 * whichever comes first. Its last write says why it ended: {@code auth-expired}, a short {@code retry:}.
 *
 * <p>Thread-safety: {@link #run()} runs once, on a thread of its own, and is the only one to write to the output; it
 * ends when the queue closes or the client goes, then closes the output and calls the on-end callback, once.
 */
final class StreamWriter implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(StreamWriter.class);

    /** At most this many events go in one write, so one write stays small. */
    private static final int BATCH = 64;

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
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long retry = settings.retry().toMillis() + random.nextLong(settings.retry().toMillis() / 5 + 1);
        StringBuilder frames = new StringBuilder(256);
        try {
            long lifetime = settings.streamLifetime().toNanos();
            long untilEnd = lifetime - random.nextLong(lifetime / 10 + 1);
            // Compared as durations: a token valid for centuries must not overflow nanoseconds.
            Duration untilExpiry = authExpiry == null ? null : Duration.between(Instant.now(), authExpiry);
            boolean authEndsFirst = untilExpiry != null && untilExpiry.compareTo(Duration.ofNanos(untilEnd)) < 0;
            if (authEndsFirst) {
                untilEnd = Math.max(0, untilExpiry.toNanos());
            }
            long deadline = System.nanoTime() + untilEnd;
            output.send(SseFrames.preamble(retry));
            long heartbeat = settings.heartbeat().toNanos();
            long nextPing = System.nanoTime() + heartbeat;
            while (!queue.isClosed()) {
                long now = System.nanoTime();
                StreamQueue.Queued next = queue.poll(Math.max(0, Math.min(nextPing, deadline) - now));
                if (queue.isClosed()) {
                    break;
                }
                frames.setLength(0);
                int events = 0;
                if (next == null && System.nanoTime() - nextPing >= 0) {
                    SseFrames.appendComment(frames, "ping");
                }
                if (next != null) {
                    metrics.outboxDepth.record(queue.size() + 1);
                }
                // Write what is already queued in one flush, up to a bound so one write stays small.
                while (next != null) {
                    if (next != StreamQueue.WAKE) {
                        SseFrames.appendEvent(frames, next.event(), next.withId());
                        if (next.live()) {
                            metrics.recordLatency(next.event().id());
                        }
                        events++;
                    }
                    next = events < BATCH ? queue.poll() : null;
                }
                if (!frames.isEmpty()) {
                    output.send(frames.toString().getBytes(StandardCharsets.UTF_8));
                    metrics.delivered.increment(events);
                    nextPing = System.nanoTime() + heartbeat;
                }
                if (System.nanoTime() - deadline >= 0) {
                    if (authEndsFirst) {
                        queue.endAuthentication("expired");
                    }
                    else {
                        queue.close(random.nextLong(1000));
                    }
                }
            }
            long finalRetry = queue.closeRetryMillis();
            String authEnded = queue.authEnded();
            frames.setLength(0);
            if (authEnded != null) {
                SseFrames.appendSignal(frames, "auth-expired", "{\"reason\":\"" + authEnded + "\"}");
            }
            if (finalRetry >= 0) {
                SseFrames.appendRetry(frames, finalRetry);
            }
            if (!frames.isEmpty()) {
                output.send(frames.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        catch (IOException ex) {
            if (ex instanceof SseOutput.DeadPeer) {
                metrics.deadPeers.increment();
            }
            log.debug("Stream of user {} ended by the client: {}", user, ex.getMessage());
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
