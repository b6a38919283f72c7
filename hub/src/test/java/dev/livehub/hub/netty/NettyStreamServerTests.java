package dev.livehub.hub.netty;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.Publication;
import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.SseEvent;
import dev.livehub.hub.testing.TestTokens;
import dev.livehub.hub.web.ConnectRate;
import dev.livehub.hub.web.SubscriberTokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Netty stream listener over real HTTP: the servlet endpoint's protocol, for subscriber tokens. */
class NettyStreamServerTests {

    private static final String SECRET = "netty-stream-secret-of-at-least-32-bytes";

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Hub hub;

    private NettyStreamServer server;

    private String base;

    @BeforeEach
    void start() {
        hub = new Hub(new MemoryEngine(StreamSettings.defaults()), HubSettings.defaults(), new SimpleMeterRegistry());
        SubscriberTokens tokens = SubscriberTokens.withSecret(SECRET, new SubscriberTokens.Settings("hub_token",
                "token", "sub", null, null, Duration.ofSeconds(30)));
        server = new NettyStreamServer(hub, tokens, new ConnectRate(30, 2), Duration.ofSeconds(5));
        server.start("127.0.0.1", 0);
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        server.close();
        hub.close();
    }

    private String url(String user, String query) {
        return base + "/stream/app?token=" + TestTokens.hs256(SECRET, user, Duration.ofHours(1)) + query;
    }

    @Test
    void aTokensStreamGetsReadyThenLiveEventsAndResumesFromItsLastId() throws Exception {
        EventId first;
        try (SseClient stream = SseClient.open(url("u1", ""), Map.of())) {
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.headers().firstValue("content-type")).hasValue("text/event-stream");
            assertThat(stream.headers().firstValue("x-accel-buffering")).hasValue("no");
            stream.events().awaitFirst("ready", WAIT);
            first = hub.publish(List.of("u1"), Publication.of("crud.update", "{\"n\":1}")).get("u1");
            assertThat(stream.events().awaitPublished(1, WAIT)).extracting(SseEvent::data).containsExactly("{\"n\":1}");
            assertThat(stream.retry()).isPositive();
        }
        await().atMost(WAIT).until(() -> hub.connectionCount() == 0);
        hub.publish(List.of("u1"), Publication.of("crud.update", "{\"n\":2}"));
        try (SseClient resumed = SseClient.open(url("u1", ""), Map.of("Last-Event-ID", first.toString()))) {
            assertThat(resumed.events().awaitPublished(1, WAIT)).extracting(SseEvent::data).containsExactly("{\"n\":2}");
            assertThat(resumed.events().all()).noneMatch(e -> e.event().equals("ready"));
        }
    }

    @Test
    void theTokenMayComeInItsCookie() throws Exception {
        String token = TestTokens.hs256(SECRET, "u2", Duration.ofHours(1));
        try (SseClient stream = SseClient.open(base + "/stream/app", Map.of("Cookie", "a=b; hub_token=" + token))) {
            assertThat(stream.status()).isEqualTo(200);
            stream.events().awaitFirst("ready", WAIT);
            assertThat(hub.connectionCount("u2")).isEqualTo(1);
        }
    }

    @Test
    void badRequestsAreRefusedWithTheEndpointsJsonAndTheRightStatus() throws Exception {
        assertRefused(base + "/stream/app", 401, "unauthenticated");
        assertRefused(base + "/stream/app?token=not.a.jwt", 401, "bad_token");
        assertRefused(base + "/stream/app?token=" + TestTokens.hs256("another-secret-of-at-least-32-bytes!!", "u1",
                Duration.ofHours(1)), 401, "bad_token");
        assertRefused(url("u1", "&last_id=12"), 400, "bad_cursor");
        assertRefused(url("u1", "&last_id=1-0&last_id=2-0"), 400, "bad_cursor");
        assertRefused(url("u1", "&compact=maybe"), 400, "bad_compact");
        assertRefused(base + "/stream/app/poll", 404, "not_found");
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(url("u1", "")))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(hub.connectionCount()).isZero();
    }

    @Test
    void aCompactingClientFarBehindGetsTheLatestStateOfEachRecord() throws Exception {
        EventId cursor = hub.publish(List.of("u3"), Publication.of("notif", "{}")).get("u3");
        for (int n = 1; n <= 60; n++) {
            hub.publish(List.of("u3"), Publication.of("crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"v\":"
                    + n + "}}"));
        }
        try (SseClient stream = SseClient.open(url("u3", "&compact=1"), Map.of("Last-Event-ID", cursor.toString()))) {
            stream.events().awaitFirst("compacted", WAIT);
            assertThat(stream.events().published()).extracting(SseEvent::data).first()
                .isEqualTo("{\"model\":\"Task\",\"id\":1,\"fields\":{\"v\":60}}");
        }
    }

    @Test
    void aDrainingHubRefusesNewStreamsWith503() throws Exception {
        hub.endStreams();
        assertRefused(url("u1", ""), 503, "shutting_down");
        hub.resume();
    }

    private static void assertRefused(String url, int status, String code) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.body()).startsWith("{\"error\":\"" + code + "\",\"message\":\"");
    }
}
