package dev.livehub.hub.console;

import java.time.Duration;
import java.util.Map;

import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.livehub.hub.Connection;
import dev.livehub.hub.Cursor;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.engine.Engine;
import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.engine.RedisEngine;
import dev.livehub.hub.engine.RedisKeys;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.RecordingOutput;
import dev.livehub.hub.testing.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class NodeHeartbeatTests {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static JsonNode reported(NodeHeartbeat heartbeat, Engine engine) {
        heartbeat.report();
        return JsonMapper.shared().readTree(engine.admin().nodes().get("node-a"));
    }

    private static JsonNode users(Engine engine) {
        String users = engine.admin().nodeUsers("node-a");
        return users == null ? null : JsonMapper.shared().readTree(users);
    }

    /** Each report lists every user's streams as they are, beside the document that says they are listed. */
    @Test
    void eachReportHasEveryUsersStreamsAsTheyAreNow() throws Exception {
        MemoryEngine engine = new MemoryEngine(StreamSettings.defaults());
        try (Hub hub = new Hub(engine, HubSettings.defaults(), new SimpleMeterRegistry());
                NodeHeartbeat heartbeat = new NodeHeartbeat("node-a", hub, engine, StreamSettings.defaults(),
                        Duration.ofHours(1))) {
            assertThat(reported(heartbeat, engine).get("usersListed").asBoolean()).isTrue();
            assertThat(users(engine).properties()).isEmpty();

            Connection first = hub.connect("alice", Cursor.none(), new RecordingOutput());
            assertThat(reported(heartbeat, engine).get("streams").asInt()).isEqualTo(1);
            assertThat(users(engine).get("alice").asInt()).isEqualTo(1);

            hub.connect("alice", Cursor.none(), new RecordingOutput());
            hub.connect("bob", Cursor.none(), new RecordingOutput());
            JsonNode three = reported(heartbeat, engine);
            assertThat(users(engine).get("alice").asInt()).isEqualTo(2);
            assertThat(users(engine).get("bob").asInt()).isEqualTo(1);
            // Nothing changed: the same counts, the rest of the document fresh.
            JsonNode again = reported(heartbeat, engine);
            assertThat(users(engine)).isEqualTo(JsonMapper.shared().readTree("{\"alice\":2,\"bob\":1}"));
            assertThat(again.get("updated").asLong()).isGreaterThanOrEqualTo(three.get("updated").asLong());

            first.close(-1);
            await().atMost(Duration.ofSeconds(5)).until(() -> hub.connectionCount("alice") == 1);
            reported(heartbeat, engine);
            assertThat(users(engine)).isEqualTo(JsonMapper.shared().readTree("{\"alice\":1,\"bob\":1}"));

            // A store that lost them (expired, restarted empty) gets them again, though no stream opened or closed.
            engine.admin().forgetNode("node-a");
            assertThat(users(engine)).isNull();
            reported(heartbeat, engine);
            assertThat(users(engine)).isEqualTo(JsonMapper.shared().readTree("{\"alice\":1,\"bob\":1}"));

            heartbeat.leave();
            assertThat(engine.admin().nodes()).isEmpty();
            assertThat(users(engine)).isNull();
        }
    }

    /** On Redis, the users are sent (SET) when they changed, and otherwise only given a new expiry (PEXPIRE). */
    @Test
    void onRedisUnchangedUsersAreOnlyGivenANewExpiry() throws Exception {
        RedisEngine engine = new RedisEngine(RedisClient.create(redis.uri()), new RedisKeys("beat"),
                StreamSettings.defaults(), Duration.ofSeconds(5));
        try (Hub hub = new Hub(engine, HubSettings.defaults(), new SimpleMeterRegistry());
                NodeHeartbeat heartbeat = new NodeHeartbeat("node-a", hub, engine, StreamSettings.defaults(),
                        Duration.ofSeconds(20))) {
            hub.connect("alice", Cursor.none(), new RecordingOutput());
            reported(heartbeat, engine);
            assertThat(users(engine).get("alice").asInt()).isEqualTo(1);
            long sets = redis.calls("set");
            long pexpires = redis.calls("pexpire");

            redis.commands().pexpire("beat:node-users:node-a", 1_000);
            for (int i = 0; i < 3; i++) {
                reported(heartbeat, engine);
            }
            assertThat(redis.calls("set") - sets).as("the heartbeat documents only").isEqualTo(3);
            assertThat(redis.calls("pexpire") - pexpires - 1).as("the users kept").isEqualTo(3);
            assertThat(redis.commands().pttl("beat:node-users:node-a")).as("three intervals again")
                .isGreaterThan(Duration.ofSeconds(50).toMillis());
            assertThat(redis.commands().get("beat:node:node-a")).doesNotContain("alice");
            assertThat(heartbeat.figures()).containsEntry("usersListed", true).doesNotContainKey("userStreams");
            assertThat(Map.of("alice", 1)).isEqualTo(heartbeat.userStreams());
        }
    }
}
