package dev.livehub.hub.engine;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import java.util.ArrayList;
import java.util.List;

import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.livehub.hub.Cursor;
import dev.livehub.hub.Hub;
import dev.livehub.hub.Publication;
import dev.livehub.hub.testing.RecordingOutput;
import dev.livehub.hub.testing.RedisServerExtension;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Override
    protected int trimSlack() {
        // XADD MAXLEN ~ removes whole radix-tree nodes, of stream-node-max-entries (100) entries each.
        return 100;
    }
}
