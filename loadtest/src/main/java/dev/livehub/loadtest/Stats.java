package dev.livehub.loadtest;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/** What a run counts and measures, shared by every subscriber and publisher thread. */
final class Stats {

    /** Publish-to-receive latency, in microseconds. */
    final Histogram latency = new ConcurrentHistogram(3_600_000_000L, 3);

    /** From connect to the response's status line, in microseconds. */
    final Histogram connectTime = new ConcurrentHistogram(3_600_000_000L, 3);

    /** From a dropped stream to the next one open (failover), in microseconds. */
    final Histogram reconnectTime = new ConcurrentHistogram(3_600_000_000L, 3);

    /** Events delivered at least {@link #slowMicros} after their publish: {publish epoch µs, latency µs}. */
    final ConcurrentLinkedQueue<long[]> slow = new ConcurrentLinkedQueue<>();

    /** Which events {@link #slow} keeps; never by default ({@code --slow-log} sets it). */
    volatile long slowMicros = Long.MAX_VALUE;

    /** Records one delivered event's latency (publish to receive). */
    void delivered(long sentMicros, long latencyMicros) {
        latency.recordValue(Math.max(1, latencyMicros));
        if (latencyMicros >= slowMicros) {
            slow.add(new long[] { sentMicros, latencyMicros });
        }
    }

    final LongAdder connected = new LongAdder();

    final LongAdder failedConnects = new LongAdder();

    /** Streams that ended while the run still wanted them. */
    final LongAdder dropped = new LongAdder();

    /** Streams opened again after a drop (failover). */
    final LongAdder reconnected = new LongAdder();

    final LongAdder published = new LongAdder();

    final LongAdder publishFailures = new LongAdder();

    final LongAdder received = new LongAdder();

    final LongAdder duplicated = new LongAdder();

    final LongAdder outOfOrder = new LongAdder();

    static double millis(Histogram histogram, double percentile) {
        return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(percentile) / 1000.0;
    }
}
