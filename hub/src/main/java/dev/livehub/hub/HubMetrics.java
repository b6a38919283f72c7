package dev.livehub.hub;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The hub's meters, named {@code hub.*}. Publish-to-write latency is measured from the entry id's milliseconds, the
 * time the store appended it, to the moment the frame was written; it is recorded for live entries only. Latency,
 * outbox depth and catch-up lag publish histogram buckets, so percentiles can be computed over every node at once
 * (Prometheus: {@code histogram_quantile(0.99, sum by (le) (rate(hub_publish_latency_seconds_bucket[5m])))}).
 */
final class HubMetrics {

    private final MeterRegistry registry;

    final Counter published;

    final Counter delivered;

    final Counter resets;

    final Counter slowDisconnects;

    final Counter compactedEntries;

    final Counter deadPeers;

    final Counter skippedUsers;

    final Timer latency;

    final DistributionSummary outboxDepth;

    final DistributionSummary catchUpEntries;

    final Timer catchUpBehind;

    HubMetrics(MeterRegistry registry, Hub hub) {
        this.registry = registry;
        Gauge.builder("hub.connections", hub, Hub::connectionCount).description("Open SSE streams on this node")
            .register(registry);
        Gauge.builder("hub.live", hub, node -> node.isLive() ? 1 : 0)
            .description("1 while live delivery works, 0 while the engine's live connection is down").register(registry);
        Gauge.builder("hub.draining", hub, node -> node.isDraining() ? 1 : 0)
            .description("1 while this node refuses new streams (draining or shut down)").register(registry);
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
        deadPeers = Counter.builder("hub.streams.dead.peers")
            .description("Streams closed because their peer was gone without closing (SseOutput.DeadPeer)")
            .register(registry);
        skippedUsers = Counter.builder("hub.publish.users.skipped")
            .description("Recipients skipped because no stream can belong to them (user id empty or too long)")
            .register(registry);
        latency = Timer.builder("hub.publish.latency").description("From append to write on the stream, live events")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(registry);
        outboxDepth = DistributionSummary.builder("hub.outbox.depth")
            .description("Events waiting in a stream's outbox when its writer takes them").baseUnit("events")
            .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(10_000.0).register(registry);
        catchUpEntries = DistributionSummary.builder("hub.catchup.entries")
            .description("Entries a stream opened with a cursor was behind, replayed on connect").baseUnit("entries")
            .publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(10_000.0).register(registry);
        catchUpBehind = Timer.builder("hub.catchup.behind")
            .description("How far behind the stream's newest entry a stream's cursor was on connect")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofDays(1))
            .register(registry);
    }

    void recordLatency(EventId id) {
        latency.record(Math.max(0, System.currentTimeMillis() - id.ms()), TimeUnit.MILLISECONDS);
    }

    /** A connect's catch-up: {@code entries} replayed from {@code cursor}, the stream's newest being {@code last}. */
    void recordCatchUp(int entries, EventId cursor, EventId last) {
        catchUpEntries.record(entries);
        catchUpBehind.record(Math.max(0, last.ms() - cursor.ms()), TimeUnit.MILLISECONDS);
    }

    /** One refusal of a stream or poll, by the code of its JSON body. */
    void refused(String reason) {
        Counter.builder("hub.streams.refused").description("Streams and polls refused, by reason (the error code)")
            .tag("reason", reason).register(registry).increment();
    }

    /** What {@link PublishRetries} holds: publications waiting for the store, given up, users owed a reset. */
    void bind(PublishRetries retries) {
        Gauge.builder("hub.publish.waiting", retries, PublishRetries::waiting)
            .description("Publications the store refused, being retried").register(registry);
        FunctionCounter.builder("hub.publish.given.up", retries, PublishRetries::givenUp)
            .description("Publications given up after hub.publish.retry-for; their users are owed a reset")
            .register(registry);
        Gauge.builder("hub.resets.owed", retries, PublishRetries::owed)
            .description("Users owed a reset, not yet appended (the store still refuses writes)").register(registry);
    }
}
