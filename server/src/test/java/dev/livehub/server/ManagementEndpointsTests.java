package dev.livehub.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.livehub.hub.Connection;
import dev.livehub.hub.Cursor;
import dev.livehub.hub.Hub;
import dev.livehub.hub.SseOutput;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the hub server shows, and to whom: health to anyone (a load balancer), with its readiness and liveness groups;
 * metrics, the Prometheus scrape and the console only to the operator account, over HTTP Basic (a browser is asked
 * for it).
 */
@SpringBootTest(classes = HubServer.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.security.user.password=" + ManagementEndpointsTests.PASSWORD)
class ManagementEndpointsTests {

    static final String PASSWORD = "operator-test-password";

    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Autowired
    Hub hub;

    @Test
    void healthIsOpenAndSaysNoMoreThanItsStatusToStrangers() throws Exception {
        HttpResponse<String> health = get("/actuator/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").doesNotContain("components");
        assertThat(get("/actuator/health/readiness", null).body()).contains("\"status\":\"UP\"");
        assertThat(get("/actuator/health/liveness", null).body()).contains("\"status\":\"UP\"");
        assertThat(get("/actuator/health", "operator:" + PASSWORD).body())
            .contains("\"hub\":{", "\"engine\":\"MemoryEngine\"", "\"owedResets\":0");
    }

    @Test
    void metricsAndPrometheusNeedTheOperator() throws Exception {
        for (String path : new String[] { "/actuator/metrics", "/actuator/metrics/hub.connections",
                "/actuator/prometheus", "/actuator" + "/env" }) {
            HttpResponse<String> anonymous = get(path, null);
            assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                    value -> assertThat(value).startsWith("Basic"));
            assertThat(anonymous.body()).doesNotContain("\"names\"", "measurements", "# TYPE");
            assertThat(get(path, "operator:wrong").statusCode()).as(path).isEqualTo(401);
        }
        assertThat(get("/actuator/metrics", "operator:" + PASSWORD).body()).contains("hub.connections");
        HttpResponse<String> scrape = get("/actuator/prometheus", "operator:" + PASSWORD);
        assertThat(scrape.statusCode()).isEqualTo(200);
        // Histograms, not per-node percentiles: a dashboard computes one p99 over every node from these buckets.
        assertThat(scrape.body()).contains("hub_connections ", "hub_publish_latency_seconds_bucket{",
                "hub_outbox_depth_events_bucket{", "hub_catchup_behind_seconds_bucket{",
                "hub_catchup_entries_bucket{", "hub_live ", "hub_draining ", "hub_resets_owed ",
                "hub_publish_waiting ", "hub_publish_given_up_total ", "hub_streams_dead_peers_total ");
    }

    @Test
    void theConsoleIsTheOperatorsAndChangesNeedItsHeader() throws Exception {
        // A browser opening the console without credentials gets the Basic prompt, naming what it asks for.
        HttpResponse<String> stranger = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/hub/console")).header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(stranger.statusCode()).isEqualTo(401);
        assertThat(stranger.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                value -> assertThat(value).startsWith("Basic realm=\"livehub operator\""));
        assertThat(stranger.body()).doesNotContain("livehub console");
        HttpResponse<String> page = get("/hub/console", "operator:" + PASSWORD);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>livehub console</title>");
        assertThat(get("/hub/console/api/nodes", "operator:" + PASSWORD).body()).contains("\"streams\":0");

        HttpRequest.Builder publish = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/hub/console/api/users/42/publish"))
            .header("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString(("operator:" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"event\":\"notif\",\"data\":{\"n\":1}}"));
        HttpResponse<String> withoutHeader = http.send(publish.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(withoutHeader.statusCode()).isEqualTo(403);
        assertThat(withoutHeader.body()).contains("\"error\":\"console_header_missing\"");
        HttpResponse<String> published = http.send(publish.header("X-Hub-Console", "1").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(published.statusCode()).isEqualTo(200);
        assertThat(published.body()).contains("\"id\":\"");
    }

    /**
     * Streams, polls and publishing do not pass through the operator's filter chain: its header writer would touch a
     * stream's response from the request thread while the stream's own thread writes it.
     */
    @Test
    void streamsAndPublishingPassBesideTheOperatorsFilterChain() throws Exception {
        for (String path : new String[] { "/stream/app", "/stream/app/poll" }) {
            HttpResponse<String> refused = get(path, null);
            assertThat(refused.statusCode()).as(path).isEqualTo(401);
            assertThat(refused.body()).as(path).startsWith("{\"error\":");
            assertThat(refused.headers().firstValue("X-Frame-Options")).as(path).isEmpty();
        }
        // The operator's paths keep Spring Security's headers.
        assertThat(get("/actuator/health", null).headers().firstValue("X-Frame-Options")).isPresent();
    }

    @Test
    void theConsoleListsAUserWithStreamsOpenButNothingPublishedYet() throws Exception {
        Connection quiet = hub.connect("quiet-7", Cursor.none(), new SseOutput() {
            @Override
            public void send(byte[] bytes) {
            }

            @Override
            public void close() {
            }
        });
        try {
            String listed = get("/hub/console/api/users?match=quiet-*", "operator:" + PASSWORD).body();
            assertThat(listed).contains("{\"user\":\"quiet-7\",\"length\":0,\"lastId\":\"0-0\",\"streams\":1,"
                    + "\"streamsHere\":1}");
            assertThat(get("/hub/console/api/users?match=other-*", "operator:" + PASSWORD).body())
                .doesNotContain("quiet-7");
        }
        finally {
            quiet.close();
        }
    }

    @Test
    void theConsoleAnswersBadInputWithItsOwnErrorBody() throws Exception {
        HttpResponse<String> notJson = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/hub/console/api/users/42/publish"))
            .header("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString(("operator:" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
            .header("Content-Type", "application/json").header("X-Hub-Console", "1")
            .POST(HttpRequest.BodyPublishers.ofString("not json")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).contains("\"error\":\"bad_request\"", "JSON object").doesNotContain("timestamp");
        HttpResponse<String> notANumber = get("/hub/console/api/users/42/entries?count=abc", "operator:" + PASSWORD);
        assertThat(notANumber.statusCode()).isEqualTo(400);
        assertThat(notANumber.body()).contains("\"error\":\"bad_request\"", "count must be a number, got 'abc'");
        // Paging out of bounds is refused, not quietly clamped.
        for (String query : List.of("entries?after=0-0&count=-5", "entries?count=0", "entries?count=100000000")) {
            HttpResponse<String> bad = get("/hub/console/api/users/42/" + query, "operator:" + PASSWORD);
            assertThat(bad.statusCode()).as(query).isEqualTo(400);
            assertThat(bad.body()).as(query).contains("count is 1 to 500");
        }
        HttpResponse<String> tooMany = get("/hub/console/api/users?limit=5000", "operator:" + PASSWORD);
        assertThat(tooMany.statusCode()).isEqualTo(400);
        assertThat(tooMany.body()).contains("limit is 1 to 1000, got 5000");
    }

    @Test
    void theConsolesTestPublishReadsDataAsThePublishEndpointDoes() throws Exception {
        HttpResponse<String> twice = change("/hub/console/api/users/c6/publish",
                "{\"event\":\"notif\",\"data\":{\"a\":1,\"a\":2}}");
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat(twice.body()).contains("\"error\":\"bad_request\"", "a key twice");
        HttpResponse<String> huge = change("/hub/console/api/users/c6/publish", "{\"event\":\"notif\",\"data\":1e400}");
        assertThat(huge.statusCode()).as(huge.body()).isEqualTo(200);
        assertThat(get("/hub/console/api/users/c6/entries", "operator:" + PASSWORD).body())
            .contains("\"data\":\"1e400\"").doesNotContain("Infinity");
    }

    @Test
    void theConsoleReplaysFromAnIdThatIdIncludedAsHubctlDoes() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            HttpResponse<String> published = change("/hub/console/api/users/c2/publish",
                    "{\"event\":\"notif\",\"data\":{\"n\":" + n + "}}");
            assertThat(published.statusCode()).as(published.body()).isEqualTo(200);
            ids.add(published.body().replaceAll(".*\"id\":\"([0-9-]+)\".*", "$1"));
        }
        HttpResponse<String> preview = change("/hub/console/api/users/c2/replay",
                "{\"from\":\"" + ids.get(1) + "\",\"confirm\":false}");
        assertThat(preview.body()).contains("\"entries\":2");
        HttpResponse<String> replay = change("/hub/console/api/users/c2/replay",
                "{\"from\":\"" + ids.get(1) + "\",\"confirm\":true}");
        assertThat(replay.body()).contains("\"appended\":2");
        assertThat(get("/hub/console/api/users/c2/entries?after=" + ids.get(2), "operator:" + PASSWORD).body())
            .contains("{\\\"n\\\":2,\\\"replayed_from\\\":\\\"" + ids.get(1) + "\\\"}",
                    "{\\\"n\\\":3,\\\"replayed_from\\\":\\\"" + ids.get(2) + "\\\"}");
    }

    private HttpResponse<String> change(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString(("operator:" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
            .header("Content-Type", "application/json").header("X-Hub-Console", "1")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String credentials) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (credentials != null) {
            request.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
