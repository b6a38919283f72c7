package dev.livehub.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.livehub.hub.testing.RedisServerExtension;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The server on Redis: Spring Boot's Lettuce observations are off by default (one per Redis command, on every publish:
 * a sixth of the allocation at 2,000 publishes a second), the hub's own meters on; with
 * {@code management.observations.enable.lettuce=true} the Prometheus scrape has {@code lettuce_seconds} per command
 * ({@code db_operation}) for the hub's scripts and its bells, not only for what Boot's health check sends.
 */
class LettuceMetricsIntegrationTests {

    private static final String SECRET = "metrics-test-secret-of-32-bytes-or-more";

    private static final String PUBLISH_TOKEN = "metrics-publish-token";

    private static final String OPERATOR = "operator:metrics-test";

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void byDefaultTheScrapeHasTheHubsMetersAndNoLettuceTimer() throws Exception {
        String scrape = publishOnceAndScrape(body -> body.contains("hub_events_published_total"));
        assertThat(scrape).contains("hub_events_published_total").doesNotContain("lettuce_seconds_count{");
    }

    @Test
    void turnedOnThePrometheusScrapeCountsTheHubsRedisCommands() throws Exception {
        String scrape = publishOnceAndScrape(body -> body.contains("db_operation=\"SSUBSCRIBE\"")
                && body.contains("db_operation=\"EVALSHA\""), "--management.observations.enable.lettuce=true");
        // EVALSHA: the stream's catch-up read and the publish's append; SSUBSCRIBE: the stream's bell. Only the hub
        // sends these.
        assertThat(scrape.lines().filter(line -> line.startsWith("lettuce_seconds_count{")))
            .anySatisfy(line -> assertThat(line).contains("db_operation=\"EVALSHA\""))
            .anySatisfy(line -> assertThat(line).contains("db_operation=\"SSUBSCRIBE\""));
    }

    /**
     * A server on the test's Redis, one stream and one publish delivered to it; then its Prometheus scrape, once it is
     * {@code complete} (a command's timer is registered when its observation stops, just after its answer is used).
     */
    private String publishOnceAndScrape(Predicate<String> complete, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--hub.engine=redis",
                "--spring.data.redis.host=" + redis.host(), "--spring.data.redis.port=" + redis.port(),
                "--hub.token.secret=" + SECRET, "--hub.publish.token=" + PUBLISH_TOKEN,
                "--spring.security.user.password=" + OPERATOR.substring(OPERATOR.indexOf(':') + 1)));
        args.addAll(List.of(more));
        try (ConfigurableApplicationContext node = new SpringApplicationBuilder(HubServer.class)
            .run(args.toArray(String[]::new))) {
            String base = "http://127.0.0.1:" + ((WebServerApplicationContext) node).getWebServer().getPort();
            try (SseClient stream = SseClient.open(base + "/stream/app?token="
                    + TestTokens.hs256(SECRET, "42", Duration.ofMinutes(5)), Map.of())) {
                assertThat(stream.status()).isEqualTo(200);
                stream.events().awaitFirst("ready", Duration.ofSeconds(10));
                HttpResponse<String> published = http.send(HttpRequest.newBuilder(URI.create(base + "/hub/publish"))
                    .header("Authorization", "Bearer " + PUBLISH_TOKEN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"users\":[\"42\"],\"event\":\"notif\",\"data\":{}}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(published.statusCode()).as(published.body()).isEqualTo(202);
                stream.events().awaitFirst("notif", Duration.ofSeconds(10));
            }
            String[] scrape = new String[1];
            await().atMost(Duration.ofSeconds(5)).until(() -> complete.test(scrape[0] = scrape(base)));
            return scrape[0];
        }
    }

    private String scrape(String base) throws Exception {
        HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(URI.create(base + "/actuator/prometheus"))
            .header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(OPERATOR.getBytes(StandardCharsets.UTF_8)))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        return scrape.body();
    }
}
