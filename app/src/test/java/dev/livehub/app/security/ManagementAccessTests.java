package dev.livehub.app.security;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.livehub.app.AppClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /actuator}: health for anyone (its details for admins), metrics and the Prometheus scrape for admins only,
 * signed in or over HTTP Basic; a learner gets 403, a stranger 401 (never the login page).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "app.demo-users=true")
class ManagementAccessTests {

    @LocalServerPort
    int port;

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    @Test
    void healthIsOpenMetricsAreForAdmins() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base() + "/actuator/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").doesNotContain("components");

        for (String path : new String[] { "/actuator/metrics", "/actuator/prometheus" }) {
            HttpResponse<String> stranger = http.send(HttpRequest.newBuilder(URI.create(base() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(stranger.statusCode()).as(path).isEqualTo(401);
            assertThat(AppClient.signedIn(base(), "alice").get(path).statusCode()).as(path).isEqualTo(403);
            assertThat(AppClient.signedIn(base(), "admin").get(path).statusCode()).as(path).isEqualTo(200);
        }
        HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(URI.create(base() + "/actuator/prometheus"))
            .header("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString("admin:demo".getBytes(StandardCharsets.UTF_8)))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).contains("hub_connections ");
        assertThat(AppClient.signedIn(base(), "admin").get("/actuator/health").body()).contains("\"hub\":{");
    }
}
