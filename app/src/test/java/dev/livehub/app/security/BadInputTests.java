package dev.livehub.app.security;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.livehub.app.AppClient;
import dev.livehub.hub.testing.SseClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input on every way in is answered with a clear status and message, and nothing is logged as a stack trace.
 * (The endpoint suite covers the common malformed cursors and publish bodies; these are the odd and the absurd.)
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "app.demo-users=true", "hub.publish.token=test-token" })
@ExtendWith(OutputCaptureExtension.class)
class BadInputTests {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @LocalServerPort
    int port;

    private AppClient alice;

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    @BeforeEach
    void signIn() throws Exception {
        alice = AppClient.signedIn(base(), "alice");
    }

    private SseClient stream(String query, Map<String, String> headers) throws Exception {
        SseClient stream = alice.stream(query, headers);
        stream.close();
        return stream;
    }

    @Test
    void oddCursorsAreAnsweredClearly(CapturedOutput output) throws Exception {
        // An empty or blank cursor is no cursor: the stream starts with ready.
        for (String blank : List.of("", " ")) {
            try (SseClient stream = alice.stream("", Map.of("Last-Event-ID", blank))) {
                assertThat(stream.status()).isEqualTo(200);
                assertThat(stream.events().awaitFirst("ready", Duration.ofSeconds(10))).isNotNull();
            }
        }
        // A cursor from the future is one this stream never had: reset, never silence.
        try (SseClient future = alice.stream("", Map.of("Last-Event-ID", "99999999999999-0"))) {
            assertThat(future.events().awaitFirst("reset", Duration.ofSeconds(10)).data()).contains("unknown");
        }
        for (String bad : List.of("-5", "0--1", "1-99999999999999999999", "1.5-0", "x".repeat(4_000))) {
            SseClient stream = stream("", Map.of("Last-Event-ID", bad));
            assertThat(stream.status()).as(bad.length() > 20 ? bad.length() + " chars" : bad).isEqualTo(400);
            assertThat(stream.errorBody()).contains("bad_cursor").hasSizeLessThan(400);
        }
        // Past Jetty's 8 kB of headers the request is refused before it reaches the hub: 431 Request Header Fields Too
        // Large (RFC 6585).
        assertThat(stream("", Map.of("Last-Event-ID", "x".repeat(10_240))).status()).isEqualTo(431);
        assertThat(stream("?last_id=1-0&last_id=2-0", Map.of()).errorBody()).contains("not several");
        SseClient badCompact = stream("?compact=yes-please-fold-everything", Map.of());
        assertThat(badCompact.status()).isEqualTo(400);
        assertThat(badCompact.errorBody()).contains("bad_compact").contains("compact is 1 or 0");
        HttpResponse<String> repeated = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/stream/app"))
            .header("Cookie", alice.cookieHeader()).header("Last-Event-ID", "1-0").header("Last-Event-ID", "2-0")
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(repeated.statusCode()).isEqualTo(400);
        assertThat(repeated.body()).contains("not several");
        assertThat(output.getAll()).doesNotContain("\tat ");
    }

    @Test
    void absurdQueryStringsAndHeadersAreRefusedWithoutAStackTrace(CapturedOutput output) throws Exception {
        HttpResponse<String> longQuery = HTTP.send(HttpRequest.newBuilder(
                URI.create(base() + "/stream/app/poll?last_id=" + "1".repeat(100_000))).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> hugeHeader = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/stream/app"))
            .header("X-Junk", "j".repeat(100_000)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> manyHeaders = HTTP.send(IntStream.range(0, 500)
            .collect(() -> HttpRequest.newBuilder(URI.create(base() + "/stream/app")),
                    (request, i) -> request.header("X-Many-" + i, "v".repeat(100)), (a, b) -> { })
            .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(longQuery.statusCode()).isIn(400, 414);
        assertThat(hugeHeader.statusCode()).isIn(400, 431);
        assertThat(manyHeaders.statusCode()).isIn(400, 431);
        // The server goes on serving.
        assertThat(alice.get("/api/me").statusCode()).isEqualTo(200);
        assertThat(output.getAll()).doesNotContain("\tat ");
    }

    @Test
    void oddPublishBodiesAreAnsweredClearly(CapturedOutput output) throws Exception {
        String tenThousand = IntStream.range(0, 10_000).mapToObj(i -> "\"u" + i + "\"")
            .collect(Collectors.joining(",", "[", "]"));
        Map<String, String> bad = Map.of(
                "{\"users\":" + tenThousand + ",\"event\":\"x\",\"data\":{}}", "at most 1000",
                "{\"users\":[\"\"],\"event\":\"x\",\"data\":{}}", "a user id has 1 to 256",
                "{\"users\":\"1\",\"event\":\"x\",\"data\":{}}", "non-empty array",
                "{\"users\":[\"1\"],\"event\":5,\"data\":{}}", "event name matches",
                "{\"users\":[\"1\"],\"event\":\"x\",\"data\":{},\"publish_id\":7}", "'publish_id' is a string",
                "{\"users\":[\"1\"],\"event\":\"x\",\"data\":{},\"publish_id\":\"\"}", "1 to 64 characters",
                "{\"users\":[null],\"event\":\"x\",\"data\":{}}", "holds strings",
                "", "JSON",
                "{\"users\":[\"1\"],\"event\":\"x\",\"data\":{}} trailing", "not valid JSON");
        for (Map.Entry<String, String> body : bad.entrySet()) {
            HttpResponse<String> response = AppClient.publish(base(), "test-token", body.getKey());
            String shown = body.getKey().length() > 80 ? body.getKey().substring(0, 80) + "..." : body.getKey();
            assertThat(response.statusCode()).as(shown).isEqualTo(400);
            assertThat(response.body()).as(shown).contains(body.getValue());
        }
        HttpResponse<String> tooBig = AppClient.publish(base(), "test-token", "{\"users\":[\"1\"],\"event\":\"x\","
                + "\"data\":\"" + "a".repeat(2_000_000) + "\"}");
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(output.getAll()).doesNotContain("\tat ").doesNotContain("test-token");
    }
}
