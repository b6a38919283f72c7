package dev.livehub.hub;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The hub's meters, named {@code hub.*}. Publish-to-write latency is measured from the entry id's milliseconds, the
 * time the store appended it, to the moment the frame was written; it is recorded for live entries only.
 */
final class HubMetrics {

    final Counter published;

    final Counter delivered;

    final Counter resets;

    final Counter slowDisconnects;

    final Counter compactedEntries;

    final Timer latency;

    HubMetrics(MeterRegistry registry, Supplier<Number> connections) {
        Gauge.builder("hub.connections", connections).description("Open SSE streams on this node").register(registry);
        published = Counter.builder("hub.events.published").description("Entries appended, one per user")
            .register(registry);
        delivered = Counter.builder("hub.events.delivered").description("Events written to SSE streams")
            .register(registry);
        resets = Counter.builder("hub.resets").description("reset events sent, to streams and polls")
            .register(registry);
        slowDisconnects = Counter.builder("hub.slow.disconnects")
            .description("Streams closed because their outbox was full").register(registry);
        compactedEntries = Counter.builder("hub.catchup.compacted")
            .description("Backlog entries folded away by catch-up compaction").register(registry);
        latency = Timer.builder("hub.publish.latency").description("From append to write on the stream, live events")
            .publishPercentiles(0.5, 0.99).register(registry);
    }

    void recordLatency(EventId id) {
        latency.record(Math.max(0, System.currentTimeMillis() - id.ms()), TimeUnit.MILLISECONDS);
    }
}
