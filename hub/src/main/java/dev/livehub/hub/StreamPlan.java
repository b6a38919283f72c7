package dev.livehub.hub;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

import org.slf4j.Logger;

/**
 * The rules every writer of a stream follows, whatever runs it ({@link StreamWriter} on a thread of its own,
 * {@link EventLoopStreamWriter} on an event loop): the preamble's {@code retry:} (up to a fifth more than
 * {@code hub.retry}, so reconnects spread), the stream's end (its lifetime less up to a tenth, so streams opened
 * together do not end together, or its authentication's expiry, whichever comes first), the heartbeat, the batches
 * (at most {@value #BATCH} events a write) with their meters, and the last frames that say why the stream ended.
 *
 * <p>A plan is made when its writer starts, on the writer's thread, and used by that writer only.
 */
final class StreamPlan {

    /** At most this many events go in one write, so one write stays small. */
    static final int BATCH = 64;

    private final long retryMillis;

    /** When the stream ends, in {@link System#nanoTime()}. */
    private final long deadline;

    /** The stream ends because its authentication does (a token's expiry), not at its lifetime. */
    private final boolean authEndsFirst;

    private final long heartbeatNanos;

    /**
     * @param authExpiry when the user's authentication ends, or {@code null}
     */
    StreamPlan(HubSettings settings, Instant authExpiry) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        this.retryMillis = settings.retry().toMillis() + random.nextLong(settings.retry().toMillis() / 5 + 1);
        long lifetime = settings.streamLifetime().toNanos();
        long untilEnd = lifetime - random.nextLong(lifetime / 10 + 1);
        // Compared as durations: a token valid for centuries must not overflow nanoseconds.
        Duration untilExpiry = authExpiry == null ? null : Duration.between(Instant.now(), authExpiry);
        this.authEndsFirst = untilExpiry != null && untilExpiry.compareTo(Duration.ofNanos(untilEnd)) < 0;
        if (authEndsFirst) {
            untilEnd = Math.max(0, untilExpiry.toNanos());
        }
        this.deadline = System.nanoTime() + untilEnd;
        this.heartbeatNanos = settings.heartbeat().toNanos();
    }

    /** The first bytes of the stream: {@code retry:} and a comment. */
    byte[] preamble() {
        return SseFrames.preamble(retryMillis);
    }

    /** When the stream ends, in {@link System#nanoTime()}. */
    long deadline() {
        return deadline;
    }

    /** How long a stream may go without a write before it gets a {@code : ping}. */
    long heartbeatNanos() {
        return heartbeatNanos;
    }

    /** Ends the stream at its deadline: {@code auth-expired} at the authentication's expiry, else a short retry. */
    void end(StreamQueue queue) {
        if (authEndsFirst) {
            queue.endAuthentication("expired");
        }
        else {
            queue.close(ThreadLocalRandom.current().nextLong(1000));
        }
    }

    /** Appends the heartbeat comment. */
    static void appendPing(StringBuilder frames) {
        SseFrames.appendComment(frames, "ping");
    }

    /**
     * Appends {@code first} and what the queue holds after it, up to {@value #BATCH} events, recording the outbox's
     * depth and each live event's latency.
     *
     * @return the events appended, for {@code hub.events.delivered} once they are written
     */
    static int appendBatch(StringBuilder frames, StreamQueue.Queued first, StreamQueue queue, HubMetrics metrics) {
        metrics.outboxDepth.record(queue.size() + 1);
        int events = 0;
        StreamQueue.Queued next = first;
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
        return events;
    }

    /** The last frames of a closed stream ({@code auth-expired}, a {@code retry:}), or {@code null} for none. */
    static byte[] finalFrames(StreamQueue queue) {
        StringBuilder frames = new StringBuilder();
        String authEnded = queue.authEnded();
        if (authEnded != null) {
            SseFrames.appendSignal(frames, "auth-expired", "{\"reason\":\"" + authEnded + "\"}");
        }
        long finalRetry = queue.closeRetryMillis();
        if (finalRetry >= 0) {
            SseFrames.appendRetry(frames, finalRetry);
        }
        return frames.isEmpty() ? null : bytes(frames);
    }

    static byte[] bytes(StringBuilder frames) {
        return frames.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A write failed: the client is gone ({@code hub.streams.dead.peers} when it went without closing). */
    static void clientGone(java.io.IOException ex, String user, HubMetrics metrics, Logger log) {
        if (ex instanceof SseOutput.DeadPeer) {
            metrics.deadPeers.increment();
        }
        log.debug("Stream of user {} ended by the client: {}", user, ex.getMessage());
    }
}
