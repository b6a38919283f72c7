package dev.livehub.app.stream;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.livehub.app.AppClient;
import dev.livehub.hub.testing.SseClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The servlet traps: the container's async timeout must not end a stream; the hub ends it itself at its lifetime,
 * with a short retry, and the async dispatch that follows passes Spring Security.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "app.demo-users=true", "spring.mvc.async.request-timeout=300ms", "hub.heartbeat=100ms",
        "hub.stream-lifetime=2s" })
class StreamLifetimeTests {

    @LocalServerPort
    int port;

    @Test
    void aStreamOutlivesTheAsyncTimeoutThenEndsAtItsLifetimeWithAShortRetry() throws Exception {
        AppClient alice = AppClient.signedIn("http://127.0.0.1:" + port, "alice");
        long start = System.nanoTime();
        try (SseClient stream = alice.stream()) {
            stream.events().awaitFirst("ready", Duration.ofSeconds(5));
            // Heartbeats keep coming well past the 300 ms async timeout.
            await().atMost(Duration.ofSeconds(5)).until(() -> stream.comments() >= 10);
            assertThat(stream.ended()).isFalse();
            stream.awaitEnd(Duration.ofSeconds(10));
            long lived = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertThat(lived).isBetween(1700L, 6000L);
            assertThat(stream.retry()).as("the last retry: the browser comes back at once").isLessThan(1000L);
        }
        // A new stream is served after the old one completed (its ASYNC dispatch passed security cleanly).
        try (SseClient again = alice.stream("", Map.of())) {
            assertThat(again.status()).isEqualTo(200);
            again.events().awaitFirst("ready", Duration.ofSeconds(5));
        }
    }

    @Test
    void withoutATokenHttpPublishingIsOff() throws Exception {
        var response = AppClient.publish("http://127.0.0.1:" + port, "anything",
                "{\"users\":[\"1\"],\"event\":\"crud.update\",\"data\":{}}");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("hub.publish.token");
    }
}
