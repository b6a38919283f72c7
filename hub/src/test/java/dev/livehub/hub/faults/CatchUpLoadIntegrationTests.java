package dev.livehub.hub.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.TimeoutOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.livehub.hub.Cursor;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.Publication;
import dev.livehub.hub.SseOutput;
import dev.livehub.hub.engine.RedisEngine;
import dev.livehub.hub.engine.RedisKeys;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.RecordingOutput;
import dev.livehub.hub.testing.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14.7 on a real redis-server: 16 streams catching up a backlog of 60 KB events (30 MB each) must not make
 * another user's publish fail or stall, nor keep a new stream from its {@code ready}. Prints its figures.
 */
class CatchUpLoadIntegrationTests {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private Hub hub;

    @AfterEach
    void stop() {
        if (hub != null) {
            hub.close();
        }
    }

    /** Counts what a stream is sent, as a client that reads fast and keeps nothing. */
    private static final class CountingOutput implements SseOutput {

        final AtomicLong bytes = new AtomicLong();

        final AtomicLong events = new AtomicLong();

        @Override
        public void send(byte[] chunk) {
            bytes.addAndGet(chunk.length);
            // Every event of this test starts a line with "id: ", and no data holds one.
            for (int i = 0; i + 3 < chunk.length; i++) {
                if ((i == 0 || chunk[i - 1] == '\n') && chunk[i] == 'i' && chunk[i + 1] == 'd' && chunk[i + 2] == ':') {
                    events.incrementAndGet();
                }
            }
        }

        @Override
        public void close() {
        }
    }

    @Test
    void sixteenStreamsCatchingUpLargeEventsLeaveOtherUsersPublishingAndConnecting() throws Exception {
        RedisClient client = RedisClient.create(RedisEngine.clientResources(), redis.uri());
        client.setOptions(ClientOptions.builder().timeoutOptions(TimeoutOptions.enabled(TIMEOUT)).build());
        hub = new Hub(new RedisEngine(client, new RedisKeys("load"), StreamSettings.defaults(), TIMEOUT),
                new HubSettings(16, 1000, Duration.ofSeconds(15), Duration.ofMillis(1000), Duration.ofHours(1), 500),
                new SimpleMeterRegistry());
        String large = "{\"blob\":\"" + "x".repeat(60_000) + "\"}";
        int backlog = 500;
        for (int n = 0; n < backlog; n++) {
            hub.publish(List.of("heavy"), Publication.of("notif", large));
        }
        List<CountingOutput> heavy = new ArrayList<>();
        for (int n = 0; n < 16; n++) {
            CountingOutput out = new CountingOutput();
            heavy.add(out);
            hub.connect("heavy", Cursor.after(EventId.ZERO), out);
        }

        long slowestPublish = 0;
        long slowestReady = 0;
        int rounds = 0;
        int roundsDuringCatchUp = 0;
        List<RecordingOutput> light = new ArrayList<>();
        // Measured while the backlogs are being read, and for at least 20 rounds.
        while (rounds < 20 || heavy.stream().anyMatch(out -> out.events.get() < backlog) && rounds < 400) {
            if (heavy.stream().anyMatch(out -> out.events.get() < backlog)) {
                roundsDuringCatchUp++;
            }
            long start = System.nanoTime();
            RecordingOutput out = new RecordingOutput();
            light.add(out);
            hub.connect("light" + rounds, Cursor.none(), out);
            out.events().awaitFirst("ready", Duration.ofSeconds(10));
            slowestReady = Math.max(slowestReady, System.nanoTime() - start);
            start = System.nanoTime();
            hub.publish(List.of("light" + rounds), Publication.of("crud.update", "{\"n\":" + rounds + "}"));
            slowestPublish = Math.max(slowestPublish, System.nanoTime() - start);
            rounds++;
        }
        for (RecordingOutput out : light) {
            out.events().awaitPublished(1, Duration.ofSeconds(10));
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> heavy.stream().allMatch(out -> out.events.get() == backlog));
        System.out.printf("catch-up load: %d rounds (%d during catch-up); slowest other user's ready %d ms, publish %d ms; "
                + "16 x %d events of 60 KB%n", rounds, roundsDuringCatchUp, slowestReady / 1_000_000, slowestPublish / 1_000_000, backlog);
        assertThat(roundsDuringCatchUp).as("rounds measured while the backlogs were being read").isGreaterThan(10);
        // With every read on the one command connection, publishes timed out (2 s) and no ready came within 10 s.
        // What is left is CPU: 16 streams framing 480 MB on 2 cores shared with the test's own clients.
        assertThat(slowestPublish).as("slowest publish of another user, ns")
            .isLessThan(Duration.ofMillis(1500).toNanos());
        assertThat(slowestReady).as("slowest ready of another user's new stream, ns")
            .isLessThan(Duration.ofSeconds(3).toNanos());
    }
}
