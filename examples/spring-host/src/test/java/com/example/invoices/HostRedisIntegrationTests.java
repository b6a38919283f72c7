package com.example.invoices;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.livehub.hub.testing.RedisServerExtension;
import dev.livehub.hub.testing.SseClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The invoices app on Redis, through its own {@code RedisConnectionFactory} ({@code spring.data.redis.*} points
 * nowhere): the hub's streams, the bells and the sessions are in that Redis, for any principal name.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("redis")
@org.springframework.test.annotation.DirtiesContext
class HostRedisIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("invoices.redis-url", redis::uri);
        // Were the hub to build its own client from spring.data.redis.*, it would find nothing here.
        registry.add("spring.data.redis.port", () -> "1");
    }

    @LocalServerPort
    int port;

    @Autowired
    InvoiceRepository invoices;

    @Autowired
    org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory connectionFactory;

    @Test
    void theHubAndTheSessionsUseTheAppsOwnRedisConnectionAndTheLogSaysWhich(CapturedOutput output)
            throws Exception {
        HostClient jose = HostClient.signedIn("http://localhost:" + port, "josé");
        try (SseClient stream = jose.stream()) {
            assertThat(stream.status()).as(stream.errorBody()).isEqualTo(200);
            stream.events().awaitFirst("ready", WAIT);

            HostClient mary = HostClient.signedIn("http://localhost:" + port, "Mary Ann");
            assertThat(mary.postForm("/invoices", "/invoices", Map.of("customer", "Umbrella", "amount", "5.25"))
                .statusCode()).isEqualTo(302);

            assertThat(stream.events().awaitPublished(1, WAIT).getFirst().event()).isEqualTo("crud.create");
        }
        assertThat(redis.commands().exists("hub:{jos%C3%A9}:events", "hub:{Mary%20Ann}:events")).isEqualTo(2);
        assertThat(redis.commands().keys("spring:session:*")).isNotEmpty();
        assertThat(redis.commands().clientList()).contains("name=hub-node:");
        assertThat(output).contains("The hub uses the application's Redis (LettuceConnectionFactory, redis://"
                + redis.host() + ":" + redis.port() + "/0)");
        // Its factory reconnects within a second after an outage (Boot's ClientResources, as the hub sets them), not
        // with Lettuce's default backoff of up to 30 s: live delivery and sessions come back as soon as Redis does.
        assertThat(connectionFactory.getRequiredNativeClient().getResources().reconnectDelay().createDelay(30))
            .isLessThanOrEqualTo(Duration.ofMillis(1100));
        assertThat(output).doesNotContain("backs off reconnects");
    }
}
