package com.example.invoices;

import java.net.http.HttpResponse;
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
 * Redis stops under the invoices app (sessions in the container here, {@code hub.redis.sessions=false}, so what is
 * measured is the hub's part): a page still renders at once without its stream position, a save commits and answers
 * at once, and once Redis is back the change reaches the stream that was open all along.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "hub.redis.sessions=false")
@ActiveProfiles("redis")
@org.springframework.test.annotation.DirtiesContext
class RedisOutageHostIntegrationTests {

    /** Far below hub.redis.timeout (5 s), which a page or a save used to wait out. */
    private static final Duration AT_ONCE = Duration.ofMillis(1500);

    private static final Duration WAIT = Duration.ofSeconds(20);

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("invoices.redis-url", redis::uri);
    }

    @LocalServerPort
    int port;

    @Autowired
    InvoiceRepository invoices;

    @Test
    void withRedisStoppedAPageRendersAndASaveCommitsAtOnceAndTheChangeArrivesWhenRedisIsBack(CapturedOutput output)
            throws Exception {
        HostClient mary = HostClient.signedIn("http://localhost:" + port, "Mary Ann");
        try (SseClient stream = mary.stream()) {
            stream.events().awaitFirst("ready", WAIT);
            // Once before the outage, as a running app has: the first render of a JVM (Thymeleaf's set-up, class
            // loading) is not what is measured.
            assertThat(mary.get("/invoices").statusCode()).isEqualTo(200);
            redis.stopKeepingData();
            try {
                for (int load = 0; load < 3; load++) {
                    long start = System.nanoTime();
                    HttpResponse<String> page = mary.get("/invoices");
                    assertThat(page.statusCode()).isEqualTo(200);
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(AT_ONCE);
                    assertThat(page.body()).contains("lastId: null");
                }

                long start = System.nanoTime();
                HttpResponse<String> saved = mary.postForm("/invoices", "/invoices/2/paid", Map.of());
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(AT_ONCE.multipliedBy(2));
                assertThat(saved.statusCode()).isEqualTo(302);
                assertThat(invoices.findById(2L).orElseThrow().status()).isEqualTo("paid");
            }
            finally {
                redis.startAgain();
            }

            assertThat(stream.events().awaitPublished(1, WAIT).getFirst().data()).contains("\"id\":2",
                    "\"status\":\"paid\"");
        }
        assertThat(output.getAll().split("Pages render without their stream position", -1)).hasSize(2);
    }
}
