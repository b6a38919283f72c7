package dev.livehub.hub.engine;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.livehub.hub.Cursor;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.Publication;
import dev.livehub.hub.Published;
import dev.livehub.hub.testing.CommandStats;
import dev.livehub.hub.testing.RecordingOutput;
import dev.livehub.hub.testing.RedisServerExtension;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The engine contract on a real redis-server; each test has a key prefix of its own.
 */
class RedisEngineIntegrationTests extends EngineContract {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static final AtomicInteger tests = new AtomicInteger();

    private final String prefix = "t" + tests.incrementAndGet();

    @Override
    protected Engine newEngine(StreamSettings settings) {
        return new RedisEngine(RedisClient.create(redis.uri()), new RedisKeys(prefix), settings, Duration.ofSeconds(5));
    }

    @Test
    void whenThePubSubConnectionIsKilledTheNodeResubscribesAndItsClientsMissNothing() {
        Hub hub = hub(StreamSettings.defaults());
        RecordingOutput out = new RecordingOutput();
        hub.connect("u1", Cursor.none(), out);
        out.events().awaitFirst("ready", Duration.ofSeconds(10));
        hub.publish(List.of("u1"), Publication.of("crud.update", "{\"n\":1}"));
        out.events().awaitPublished(1, Duration.ofSeconds(10));
        for (int round = 0; round < 3; round++) {
            redis.commands().clientKill(KillArgs.Builder.typePubsub());
            // Published while the node's pub/sub connection is down or coming back: only catch-up can deliver these.
            for (int n = 0; n < 10; n++) {
                hub.publish(List.of("u1"), Publication.of("crud.update", "{\"n\":" + (2 + round * 10 + n) + "}"));
            }
        }
        List<String> data = out.events().awaitPublished(31, Duration.ofSeconds(15)).stream().map(SseEvent::data)
            .toList();
        List<String> expected = new ArrayList<>();
        for (int n = 1; n <= 31; n++) {
            expected.add("{\"n\":" + n + "}");
        }
        assertThat(data).containsExactlyElementsOf(expected);
        hub.publish(List.of("u1"), Publication.of("crud.update", "{\"n\":32}"));
        assertThat(out.events().awaitPublished(32, Duration.ofSeconds(10))).hasSize(32);
    }

    @Test
    void oneEventToAThousandUsersIsFourScriptCalls() {
        long calls = PublishContract.scriptCallsOfAFanOut(hub(StreamSettings.defaults()), "many",
                RedisEngineIntegrationTests::scriptCalls);

        // 250 entries per call (RedisAppends.ENTRIES_PER_CALL), so Redis is never blocked long by one call.
        assertThat(calls).isEqualTo(4);
        assertThat(redis.commands().xlen(prefix + ":{many999}:events")).isEqualTo(1);
    }

    @Test
    void whenRedisIsFullEachUserIsReportedRefusedBecauseTheStoreIsFull() {
        Hub hub = hub(StreamSettings.defaults());
        hub.publish(List.of("full-a"), Publication.of("notif", "{}"));
        var commands = redis.commands();
        commands.configSet("maxmemory-policy", "noeviction");
        commands.configSet("maxmemory", "1");
        try {
            Published result = hub.publishAll(List.of(Publication.of("notif", "{\"n\":1}")
                .to(List.of("full-a", "full-b")))).getFirst();

            assertThat(result.ids()).isEmpty();
            assertThat(result.refused()).containsOnlyKeys("full-a", "full-b");
            assertThat(result.refused().values()).allSatisfy(refusal -> {
                assertThat(refusal.reason()).isEqualTo(Published.Reason.STORE_FULL);
                assertThat(refusal.message()).contains("the store is full", "noeviction");
            });
            assertThatThrownBy(() -> hub.publish(List.of("full-b"), Publication.of("notif", "{}")))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("the store is full");
        }
        finally {
            commands.configSet("maxmemory", "0");
        }
        assertThat(commands.xlen(prefix + ":{full-a}:events")).isEqualTo(1);
        assertThat(hub.publish(List.of("full-b"), Publication.of("notif", "{}"))).containsOnlyKeys("full-b");
    }

    /**
     * Entries another program appended with XADD, not the hub: fields in any order, others beside them (which the read
     * neither returns nor counts against its byte bound), a field twice (the last one counts, as in a hash), and an
     * entry without {@code event} or {@code data}, read as an SSE message without a name or with empty data.
     */
    @Test
    void entriesAppendedByOtherProgramsAreReadFieldByField() {
        String key = prefix + ":{foreign}:events";
        var commands = redis.commands();
        String first = commands.xadd(key, Map.of("data", "{\"n\":1}"));
        String second = commands.xadd(key, Map.of("event", "notif"));
        LinkedHashMap<String, String> reordered = new LinkedHashMap<>();
        reordered.put("source", "x".repeat(Engine.READ_BYTES));
        reordered.put("data", "{\"n\":3}");
        reordered.put("event", "crud.update");
        String third = commands.xadd(key, reordered);
        String fourth = commands.xadd(key, "event", "a", "event", "crud.delete", "data", "");
        String fifth = commands.xadd(key, Map.of("note", "neither"));
        try (Engine engine = newEngine(StreamSettings.defaults())) {
            engine.start((user, entry) -> { });

            StreamSlice slice = engine.read("foreign", EventId.ZERO, 10);

            assertThat(slice.lastId()).isEqualTo(EventId.parse(fifth));
            assertThat(slice.entries()).containsExactly(
                    new HubEvent(EventId.parse(first), "message", "{\"n\":1}"),
                    new HubEvent(EventId.parse(second), "notif", ""),
                    new HubEvent(EventId.parse(third), "crud.update", "{\"n\":3}"),
                    new HubEvent(EventId.parse(fourth), "crud.delete", ""),
                    new HubEvent(EventId.parse(fifth), "message", ""));
        }
    }

    private static long scriptCalls() {
        return CommandStats.scriptCalls(redis.commands().info("commandstats"));
    }

    @Override
    protected int trimSlack() {
        // XADD MAXLEN ~ removes whole radix-tree nodes, of stream-node-max-entries (100) entries each.
        return 100;
    }
}
