package dev.livehub.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.LoopOutput;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The writer of a stream whose output belongs to an event loop ({@link EventLoopStreamWriter}), on a loop of the test's
 * own ({@link LoopOutput}): batches and order across a client that stops reading, one drain however many events wait,
 * the heartbeat and the stream's end as the loop's timers, a client that reads nothing, and the same bytes as the
 * writer on a thread of its own.
 */
class EventLoopStreamWriterTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private final List<LoopOutput> outputs = new ArrayList<>();

    private Hub hub;

    @AfterEach
    void stop() {
        if (hub != null) {
            hub.close();
        }
        outputs.forEach(LoopOutput::shutdown);
    }

    private Hub hub(Duration heartbeat, Duration lifetime) {
        hub = new Hub(new MemoryEngine(StreamSettings.defaults()),
                new HubSettings(16, 2000, heartbeat, Duration.ofMillis(5000), lifetime, 500), registry);
        return hub;
    }

    private Hub hub() {
        return hub(Duration.ofSeconds(15), Duration.ofMinutes(30));
    }

    private LoopOutput output(Duration writeTimeout) {
        LoopOutput output = new LoopOutput(writeTimeout);
        outputs.add(output);
        return output;
    }

    private EventId publish(String user, int n) {
        return hub.publish(List.of(user), Publication.of("notif", "{\"n\":" + n + "}")).get(user);
    }

    @Test
    void eventsQueuedWhileTheClientReadsNothingGoInOrderInBatchesOnceItReads() throws Exception {
        hub();
        LoopOutput output = output(Duration.ofSeconds(30));
        hub.connect("reader", Cursor.none(), output);
        output.events().awaitFirst("ready", WAIT);
        output.backUp();
        int flushesBefore = output.flushes().size();
        int writesBefore = output.writes().size();
        List<String> ids = new ArrayList<>();
        for (int n = 0; n < 1000; n++) {
            ids.add(publish("reader", n).toString());
        }
        output.awaitLoop();
        assertThat(output.flushes()).as("nothing written while backed up").hasSize(flushesBefore);

        output.release();

        List<SseEvent> received = output.events().awaitPublished(1000, WAIT);
        assertThat(received).extracting(SseEvent::id).containsExactlyElementsOf(ids);
        assertThat(received).extracting(SseEvent::data).first().isEqualTo("{\"n\":0}");
        List<String> writes = output.writes();
        assertThat(writes).allSatisfy(write -> assertThat(write.split("\nevent: ", -1).length - 1)
            .as("events in one write").isLessThanOrEqualTo(StreamPlan.BATCH));
        int flushes = output.flushes().size() - flushesBefore;
        System.out.printf("1,000 events queued while the client read nothing: %d writes, %d flushes once it read%n",
                writes.size() - writesBefore, flushes);
        assertThat(flushes).as("a flush per drain, not per write").isLessThan(1000 / StreamPlan.BATCH);
        assertThat(output.wroteOffLoop()).isFalse();
        assertThat(registry.counter("hub.events.delivered").count()).isEqualTo(1001);
    }

    @Test
    void eventsOfferedFasterThanTheLoopDrainsQueueOneDrain() throws Exception {
        hub();
        LoopOutput output = output(Duration.ofSeconds(30));
        hub.connect("busy", Cursor.none(), output);
        output.events().awaitFirst("ready", WAIT);
        CountDownLatch release = output.holdLoop();
        for (int n = 0; n < 500; n++) {
            publish("busy", n);
        }
        assertThat(output.dueTasks()).as("drains queued on the loop for 500 events").isEqualTo(1);
        release.countDown();
        assertThat(output.events().awaitPublished(500, WAIT)).hasSize(500);
    }

    @Test
    void aStreamWithoutEventsGetsAPingAHeartbeatAfterItsLastWriteFromOneTimer() throws Exception {
        Duration heartbeat = Duration.ofMillis(200);
        hub(heartbeat, Duration.ofMinutes(30));
        LoopOutput output = output(Duration.ofSeconds(30));
        hub.connect("quiet", Cursor.none(), output);
        output.events().awaitFirst("ready", WAIT);
        await().atMost(WAIT).until(() -> output.flushes().stream().filter(": ping\n\n"::equals).count() >= 3);

        List<String> flushes = output.flushes();
        List<Long> times = output.flushTimes();
        for (int i = 1; i < flushes.size(); i++) {
            if (flushes.get(i).equals(": ping\n\n")) {
                assertThat(times.get(i) - times.get(i - 1)).as("time from the write before a ping")
                    .isGreaterThanOrEqualTo(heartbeat.toNanos());
            }
        }
        output.awaitLoop();
        assertThat(output.tasks()).as("timers: the heartbeat and the stream's end").isEqualTo(2);
    }

    @Test
    void aClosedStreamEndsOnceAfterItsOutputClosedAndLeavesNoTaskOnTheLoop() throws Exception {
        hub();
        LoopOutput output = output(Duration.ofSeconds(30));
        StreamQueue queue = new StreamQueue("ending", null, 100, hub.metrics());
        AtomicInteger ends = new AtomicInteger();
        AtomicBoolean closedBeforeEnd = new AtomicBoolean();
        EventLoopStreamWriter writer = new EventLoopStreamWriter("ending", output, queue, hub.settings(),
                hub.metrics(), null, () -> {
                    closedBeforeEnd.set(output.closes() == 1);
                    ends.incrementAndGet();
                });
        writer.start();
        await().atMost(WAIT).until(() -> output.received().startsWith("retry: "));
        output.awaitLoop();
        assertThat(output.tasks()).isEqualTo(2);

        queue.close(700);
        queue.close(100);
        writer.signal();

        await().atMost(WAIT).until(() -> ends.get() > 0);
        output.awaitLoop();
        assertThat(ends).hasValue(1);
        assertThat(closedBeforeEnd).isTrue();
        assertThat(output.closes()).isEqualTo(1);
        assertThat(output.tasks()).as("tasks left on the loop").isZero();
        assertThat(output.received()).endsWith("\n\nretry: 700\n\n");
    }

    @Test
    void aClientThatReadsNothingForTheWriteTimeoutIsADeadPeerAndItsSlotGoesBack() throws Exception {
        hub();
        LoopOutput output = output(Duration.ofMillis(300));
        hub.connect("gone", Cursor.none(), output);
        output.events().awaitFirst("ready", WAIT);
        output.backUp();
        long stalled = System.nanoTime();
        publish("gone", 1);

        assertThat(output.awaitClosed(WAIT)).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - stalled)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        await().atMost(WAIT).until(() -> hub.connectionCount("gone") == 0);
        assertThat(registry.counter("hub.streams.dead.peers").count()).isEqualTo(1);
        output.awaitLoop();
        assertThat(output.tasks()).isZero();
    }

    @Test
    void aStreamEndsAtItsAuthenticationsExpiryOrItsLifetimeWithTheSameFinalFrames() throws Exception {
        hub(Duration.ofSeconds(15), Duration.ofMillis(300));
        LoopOutput expiring = output(Duration.ofSeconds(30));
        hub.connect("token", Cursor.none(), expiring, Instant.now().plusMillis(100));
        LoopOutput lived = output(Duration.ofSeconds(30));
        hub.connect("lived", Cursor.none(), lived);

        assertThat(expiring.awaitClosed(WAIT)).isTrue();
        assertThat(expiring.received()).endsWith("\n\nevent: auth-expired\ndata: {\"reason\":\"expired\"}\n\n");
        assertThat(lived.awaitClosed(WAIT)).isTrue();
        assertThat(lived.received()).matches("(?s).*\n\nretry: [0-9]{1,3}\n\n");
        await().atMost(WAIT).until(() -> hub.connectionCount() == 0);
    }

    /** What the client receives does not depend on the writer: the same bytes, but for the preamble's jitter. */
    @Test
    void bothWritersWriteTheSameBytes() throws Exception {
        hub();
        LoopOutput loop = output(Duration.ofSeconds(30));
        BytesOutput blocking = new BytesOutput();
        Connection onLoop = hub.connect("same", Cursor.none(), loop);
        Connection onThread = hub.connect("same", Cursor.none(), blocking);
        loop.events().awaitFirst("ready", WAIT);
        await().atMost(WAIT).until(() -> blocking.received().contains("event: ready"));
        publish("same", 1);
        hub.publish(List.of("same"), Publication.of("crud.update", "{\"model\":\"Task\",\n\"id\":12}"));
        EventId last = publish("same", 3);
        loop.events().awaitPublished(3, WAIT);
        await().atMost(WAIT).until(() -> blocking.received().contains("id: " + last));
        onLoop.close(700);
        onThread.close(700);
        assertThat(loop.awaitClosed(WAIT)).isTrue();
        assertThat(blocking.closed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        String expected = blocking.received().replaceFirst("^retry: [0-9]+\n", "retry: R\n");
        assertThat(expected).startsWith("retry: R\n: connected\n\nid: ").endsWith("\n\nretry: 700\n\n")
            .contains("data: {\"model\":\"Task\",\ndata: \"id\":12}\n\n");
        assertThat(loop.received().replaceFirst("^retry: [0-9]+\n", "retry: R\n")).isEqualTo(expected);
    }

    /** A blocking output that keeps every byte. */
    private static final class BytesOutput implements SseOutput {

        private final StringBuilder received = new StringBuilder();

        private final CountDownLatch closed = new CountDownLatch(1);

        @Override
        public synchronized void send(byte[] bytes) throws IOException {
            received.append(new String(bytes, StandardCharsets.UTF_8));
        }

        synchronized String received() {
            return received.toString();
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }
}
