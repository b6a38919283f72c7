package dev.livehub.hub;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.RecordingOutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A drain refuses new streams at once and ends the open ones over its window, each with a short retry.
 */
class DrainTests {

    @Test
    void aDrainRefusesNewStreamsAndEndsTheOpenOnesSpreadOverTheWindowWithAShortRetry() throws Exception {
        try (Hub hub = new Hub(new MemoryEngine(StreamSettings.defaults()), HubSettings.defaults(),
                new SimpleMeterRegistry())) {
            List<RecordingOutput> outputs = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                RecordingOutput output = new RecordingOutput();
                hub.connect("u" + (i % 4), Cursor.none(), output);
                outputs.add(output);
            }
            for (RecordingOutput output : outputs) {
                output.events().awaitFirst("ready", Duration.ofSeconds(5));
            }
            long start = System.nanoTime();
            Thread drain = Thread.ofVirtual().start(() -> hub.drain(Duration.ofMillis(600)));
            // New streams are refused from the start of the drain.
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThatThrownBy(() -> hub.connect("late", Cursor.none(), new RecordingOutput()))
                    .isInstanceOf(IllegalStateException.class));
            drain.join();
            long took = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertThat(took).as("spread over the window, not all at once").isGreaterThanOrEqualTo(500);
            for (RecordingOutput output : outputs) {
                assertThat(output.awaitClosed(Duration.ofSeconds(5))).isTrue();
                assertThat(output.parser().retry()).isLessThan(1000);
            }
        }
    }

    @Test
    void aDrainedHubTakesStreamsAgainWhenResumedButAClosedOneNever() {
        Hub hub = new Hub(new MemoryEngine(StreamSettings.defaults()), HubSettings.defaults(),
                new SimpleMeterRegistry());
        hub.drain(Duration.ZERO);
        assertThatThrownBy(() -> hub.connect("u", Cursor.none(), new RecordingOutput()))
            .isInstanceOf(IllegalStateException.class);

        hub.resume();
        RecordingOutput output = new RecordingOutput();
        hub.connect("u", Cursor.none(), output);
        output.events().awaitFirst("ready", Duration.ofSeconds(5));

        hub.close();
        hub.resume();
        assertThatThrownBy(() -> hub.connect("u", Cursor.none(), new RecordingOutput()))
            .isInstanceOf(IllegalStateException.class);
    }
}
