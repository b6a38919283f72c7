package dev.livehub.hub;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.RecordingOutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operator's meters: how far behind a stream was on connect, outbox depth, refusals by reason, live and draining
 * state, what the publication retries hold. (That latency, depth and lag publish histogram buckets, which aggregate
 * over nodes, the server's Prometheus scrape shows: {@code ManagementEndpointsTests}.)
 */
class HubMetricsTests {

    private final MeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void catchUpLagOutboxDepthAndLatencyAreRecorded() throws Exception {
        try (Hub hub = new Hub(new MemoryEngine(StreamSettings.defaults()), HubSettings.defaults(), registry)) {
            EventId cursor = hub.publish(List.of("7"), Publication.of("notif", "{\"n\":0}")).get("7");
            for (int i = 1; i <= 5; i++) {
                hub.publish(List.of("7"), Publication.of("notif", "{\"n\":" + i + "}"));
            }
            RecordingOutput output = new RecordingOutput();
            hub.connect("7", Cursor.after(cursor), output);
            output.events().awaitPublished(5, Duration.ofSeconds(5));

            DistributionSummary entries = registry.get("hub.catchup.entries").summary();
            await().atMost(Duration.ofSeconds(5)).until(() -> entries.count() == 1);
            assertThat(entries.totalAmount()).isEqualTo(5);
            assertThat(registry.get("hub.catchup.behind").timer().count()).isEqualTo(1);

            hub.publish(List.of("7"), Publication.of("notif", "{\"n\":6}"));
            output.events().awaitPublished(6, Duration.ofSeconds(5));
            Timer latency = registry.get("hub.publish.latency").timer();
            await().atMost(Duration.ofSeconds(5)).until(() -> latency.count() == 1);
            assertThat(registry.get("hub.outbox.depth").summary().count()).isGreaterThanOrEqualTo(2);

            // A peer gone without closing: the transport's write fails with DeadPeer.
            hub.connect("8", Cursor.none(), new SseOutput() {
                @Override
                public void send(byte[] bytes) throws IOException {
                    throw new SseOutput.DeadPeer("no acknowledgement");
                }

                @Override
                public void close() {
                }
            });
            await().atMost(Duration.ofSeconds(5))
                .until(() -> registry.get("hub.streams.dead.peers").counter().count() == 1);        }
    }

    @Test
    void refusalsLiveDrainingAndRetriesAreCounted() {
        Hub hub = new Hub(new MemoryEngine(StreamSettings.defaults()), HubSettings.defaults(), registry);
        PublishRetries retries = new PublishRetries(hub, Duration.ofSeconds(30));
        hub.refused("too_many_connections");
        hub.refused("too_many_connections");
        hub.refused("bad_token");
        assertThat(registry.get("hub.streams.refused").tags("reason", "too_many_connections").counter().count())
            .isEqualTo(2);
        assertThat(registry.get("hub.streams.refused").tags("reason", "bad_token").counter().count()).isEqualTo(1);
        assertThat(registry.get("hub.live").gauge().value()).isEqualTo(1);
        assertThat(registry.get("hub.draining").gauge().value()).isEqualTo(0);
        assertThat(registry.get("hub.publish.waiting").gauge().value()).isEqualTo(0);
        assertThat(registry.get("hub.resets.owed").gauge().value()).isEqualTo(0);
        assertThat(registry.get("hub.publish.given.up").functionCounter().count()).isEqualTo(0);

        hub.drain(Duration.ZERO);
        assertThat(registry.get("hub.draining").gauge().value()).isEqualTo(1);
        retries.close();
        hub.close();
    }
}
