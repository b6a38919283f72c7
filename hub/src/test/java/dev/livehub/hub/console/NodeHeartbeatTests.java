package dev.livehub.hub.console;

import java.time.Duration;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.livehub.hub.Connection;
import dev.livehub.hub.Cursor;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.RecordingOutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class NodeHeartbeatTests {

    private final MemoryEngine engine = new MemoryEngine(StreamSettings.defaults());

    private JsonNode reported(NodeHeartbeat heartbeat) {
        heartbeat.report();
        return JsonMapper.shared().readTree(engine.admin().nodes().get("node-a"));
    }

    /** Each user's streams are counted again only when streams opened or closed, and each report has them as they are. */
    @Test
    void eachReportHasEveryUsersStreamsAsTheyAreNow() throws Exception {
        try (Hub hub = new Hub(engine, HubSettings.defaults(), new SimpleMeterRegistry());
                NodeHeartbeat heartbeat = new NodeHeartbeat("node-a", hub, engine, StreamSettings.defaults(),
                        Duration.ofHours(1))) {
            assertThat(reported(heartbeat).get("userStreams").properties()).isEmpty();

            Connection first = hub.connect("alice", Cursor.none(), new RecordingOutput());
            JsonNode one = reported(heartbeat);
            assertThat(one.get("userStreams").get("alice").asInt()).isEqualTo(1);
            assertThat(one.get("streams").asInt()).isEqualTo(1);

            hub.connect("alice", Cursor.none(), new RecordingOutput());
            hub.connect("bob", Cursor.none(), new RecordingOutput());
            JsonNode three = reported(heartbeat);
            assertThat(three.get("userStreams").get("alice").asInt()).isEqualTo(2);
            assertThat(three.get("userStreams").get("bob").asInt()).isEqualTo(1);
            // Nothing changed: the same counts, the rest of the document fresh.
            JsonNode again = reported(heartbeat);
            assertThat(again.get("userStreams")).isEqualTo(three.get("userStreams"));
            assertThat(again.get("updated").asLong()).isGreaterThanOrEqualTo(three.get("updated").asLong());

            first.close(-1);
            await().atMost(Duration.ofSeconds(5)).until(() -> hub.connectionCount("alice") == 1);
            assertThat(reported(heartbeat).get("userStreams").get("alice").asInt()).isEqualTo(1);
            assertThat(heartbeat.figures().get("userStreams")).isEqualTo(java.util.Map.of("alice", 1, "bob", 1));
        }
    }
}
