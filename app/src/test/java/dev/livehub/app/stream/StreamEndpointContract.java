package dev.livehub.app.stream;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.livehub.app.AppClient;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.Publication;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.SseEvent;
import dev.livehub.hub.testing.StreamTransportContract;
import dev.livehub.hub.testing.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /stream/app}, {@code /stream/app/poll} and {@code /hub/publish} over real HTTP with a real sign-in, the same
 * suite for each engine and each stream transport: the hub's endpoint contract ({@link StreamTransportContract}) for
 * signed-in users, and what the app adds (polling, publishing, sign-out).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "app.demo-users=true", "hub.publish.token=test-token", "hub.max-connections-per-user=3",
        "hub.stream.max-entries=20", "hub.heartbeat=200ms", "hub.session-check-interval=500ms",
        "hub.token.secret=" + StreamEndpointContract.TOKEN_SECRET })
@ExtendWith(OutputCaptureExtension.class)
abstract class StreamEndpointContract extends StreamTransportContract {

    static final String TOKEN_SECRET = "app-contract-token-secret-of-32-bytes";

    @LocalServerPort
    int port;

    @Autowired
    Hub hub;

    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    AppClient alice;

    String aliceId;

    private Credentials aliceStreams;

    String base() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    protected Hub hub() {
        return hub;
    }

    @Override
    protected String streamUrl() {
        return base() + "/stream/app";
    }

    @Override
    protected String pollUrl() {
        return base() + "/stream/app/poll";
    }

    @Override
    protected Credentials signIn(String name) throws Exception {
        if (name.equals("alice")) {
            return aliceStreams;
        }
        AppClient client = AppClient.signedIn(base(), name);
        return new Credentials(hubId(client), "", Map.of("Cookie", client.cookieHeader()));
    }

    private static String hubId(AppClient client) throws Exception {
        return client.get("/api/me").body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
    }

    @BeforeEach
    void signInAlice() throws Exception {
        alice = AppClient.signedIn(base(), "alice");
        aliceId = hubId(alice);
        aliceStreams = new Credentials(aliceId, "", Map.of("Cookie", alice.cookieHeader()));
    }

    /** A stream of alice's (the cookie as it is now: after a sign-out, the old one). */
    SseClient open(String query, Map<String, String> headers) throws Exception {
        return open(aliceStreams, query.startsWith("?") ? query.substring(1) : query, headers);
    }

    String publish(String user, String event, String dataJson) throws Exception {
        HttpResponse<String> response = AppClient.publish(base(), "test-token",
                "{\"users\":[\"" + user + "\"],\"event\":\"" + event + "\",\"data\":" + dataJson + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return response.body().replaceAll(".*\"" + user + "\":\"([^\"]+)\".*", "$1");
    }

    @Test
    void withoutASessionTheStreamAnswers401JsonNotARedirect() throws Exception {
        SseClient anonymous = SseClient.open(base() + "/stream/app", Map.of());
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertThat(anonymous.errorBody()).contains("\"error\":\"unauthenticated\"");
        assertThat(new AppClient(base()).get("/api/me").statusCode()).isEqualTo(401);
        assertThat(new AppClient(base()).get("/stream/app/poll").statusCode()).isEqualTo(401);
    }

    /**
     * A stale session cookie sent before the live one (another path or domain, RFC 6265 5.4's order) does not hide
     * it: the stream is the live session's user's, on every port, as Spring Session's filter does for the pages.
     */
    @Test
    void aStaleSessionCookieBeforeTheLiveOneDoesNotHideIt() throws Exception {
        String stale = "SESSION=" + Base64.getEncoder().encodeToString("no-such-session".getBytes(StandardCharsets.UTF_8));
        SseClient stream = open(new Credentials(aliceId, "", Map.of("Cookie", stale + "; " + alice.cookieHeader())),
                "", Map.of());
        assertThat(stream.status()).as(stream.errorBody()).isEqualTo(200);
        stream.events().awaitFirst("ready", WAIT);
        assertThat(hub.connectionCount(aliceId)).isEqualTo(1);
    }

    @Test
    void aPublishedEventArrivesWithItsIdNameAndData() throws Exception {
        SseClient stream = open("", Map.of());
        stream.events().awaitFirst("ready", WAIT);
        String id = publish(aliceId, "crud.update", "{\"model\":\"Task\",\"id\":12,\"fields\":{\"state\":\"done\"}}");
        SseEvent event = stream.events().awaitPublished(1, WAIT).getFirst();
        assertThat(event).isEqualTo(new SseEvent(id, "crud.update",
                "{\"model\":\"Task\",\"id\":12,\"fields\":{\"state\":\"done\"}}"));
    }

    @Test
    void aCursorTheStreamNoLongerHoldsGetsReset() throws Exception {
        EventId old = hub.publish(List.of(aliceId), Publication.of("crud.update", "{\"n\":0}")).get(aliceId);
        for (int n = 1; n <= 250; n++) {
            hub.publish(List.of(aliceId), Publication.of("crud.update", "{\"n\":" + n + "}"));
        }
        SseClient stream = open("", Map.of("Last-Event-ID", old.toString()));
        SseEvent reset = stream.events().awaitFirst("reset", WAIT);
        assertThat(reset.data()).contains("\"reason\":\"trimmed\"");
        assertThat(stream.events().published()).isEmpty();
        String live = publish(aliceId, "crud.update", "{\"n\":251}");
        assertThat(stream.events().awaitPublished(1, WAIT)).extracting(SseEvent::id).containsExactly(live);

        SseClient future = open("?last_id=" + (System.currentTimeMillis() + 3_600_000) + "-0", Map.of());
        assertThat(future.events().awaitFirst("reset", WAIT).data()).contains("\"reason\":\"unknown\"");
    }

    @Test
    void aMalformedCursorIs400WithAClearMessage() throws Exception {
        for (String cursor : List.of("abc", "-1-0", "*", "$", "+", "1-2-3", "1-", "x".repeat(2_000))) {
            String shown = cursor.length() > 20 ? cursor.length() + " characters" : cursor;
            SseClient stream = open("", Map.of("Last-Event-ID", cursor));
            assertThat(stream.status()).as(shown).isEqualTo(400);
            assertThat(stream.errorBody()).as(shown).contains("\"error\":\"bad_cursor\"").contains("1700000000000-0")
                .hasSizeLessThan(400);
        }
        SseClient huge = open("", Map.of("Last-Event-ID", "99999999999999999999-0"));
        assertThat(huge.status()).isEqualTo(400);
        assertThat(huge.errorBody()).contains("fit in 63 bits");
        assertThat(alice.get("/stream/app?last_id=12x").statusCode()).isEqualTo(400);
    }

    @Test
    void pollingFollowsTheSameResumeRules() throws Exception {
        String none = alice.get("/stream/app/poll").body();
        assertThat(none).contains("\"events\":[]").contains("\"reset\":false").contains("\"last_id\":\"");
        String first = publish(aliceId, "crud.create", "{\"model\":\"Task\",\"id\":1}");
        String second = publish(aliceId, "crud.update", "{\"model\":\"Task\",\"id\":1}");
        String poll = alice.get("/stream/app/poll?last_id=" + first).body();
        assertThat(poll).contains("\"id\":\"" + second + "\"").contains("\"event\":\"crud.update\"")
            .contains("\"data\":\"{\\\"model\\\":\\\"Task\\\",\\\"id\\\":1}\"")
            .contains("\"last_id\":\"" + second + "\"").contains("\"reset\":false").doesNotContain(first + "\",\"event");
        String future = alice.get("/stream/app/poll?last_id=" + (System.currentTimeMillis() + 3_600_000) + "-0").body();
        assertThat(future).contains("\"reset\":true");
        assertThat(alice.get("/stream/app/poll?last_id=nope").statusCode()).isEqualTo(400);
    }

    @Test
    void publishingOverHttpChecksTheTokenAndTheBody() throws Exception {
        String good = "{\"users\":[\"" + aliceId + "\"],\"event\":\"crud.update\",\"data\":{}}";
        assertThat(AppClient.publish(base(), null, good).statusCode()).isEqualTo(401);
        assertThat(AppClient.publish(base(), "wrong", good).statusCode()).isEqualTo(401);
        Map<String, String> bad = Map.of(
                "not json", "not valid JSON",
                "[]", "JSON object",
                "{\"users\":[],\"event\":\"x\",\"data\":{}}", "non-empty array",
                "{\"users\":[1],\"event\":\"x\",\"data\":{}}", "holds strings",
                "{\"users\":[\"" + "u".repeat(300) + "\"],\"event\":\"x\",\"data\":{}}", "a user id has 1 to 256",
                "{\"users\":[\"1\"],\"event\":\"Bad Name\",\"data\":{}}", "event name matches",
                "{\"users\":[\"1\"],\"event\":\"reset\",\"data\":{}}", "the hub sends itself",
                "{\"users\":[\"1\"],\"event\":\"x\"}", "'data' is required",
                "{\"users\":[\"1\"],\"event\":\"x\",\"data\":{},\"extra\":1}", "unknown field 'extra'",
                "{\"users\":[\"1\"],\"event\":\"x\",\"data\":\"" + "a".repeat(70_000) + "\"}", "at most 65536");
        for (Map.Entry<String, String> body : bad.entrySet()) {
            HttpResponse<String> response = AppClient.publish(base(), "test-token", body.getKey());
            assertThat(response.statusCode()).as(body.getKey()).isEqualTo(400);
            assertThat(response.body()).as(body.getKey()).contains(body.getValue());
        }
    }

    @Test
    void metricsCountConnectionsPublishedAndDeliveredEventsAndLatency() throws Exception {
        double published = meters.counter("hub.events.published").count();
        double delivered = meters.counter("hub.events.delivered").count();
        SseClient stream = open("", Map.of());
        stream.events().awaitFirst("ready", WAIT);
        assertThat(meters.get("hub.connections").gauge().value()).isEqualTo(1.0);
        publish(aliceId, "notif", "{\"items\":[]}");
        stream.events().awaitPublished(1, WAIT);
        assertThat(meters.counter("hub.events.published").count()).isEqualTo(published + 1);
        await().atMost(WAIT).until(() -> meters.counter("hub.events.delivered").count() >= delivered + 2);
        assertThat(meters.get("hub.publish.latency").timer().count()).isPositive();
    }

    @Test
    void aRetriedHttpPublishWithTheSamePublishIdIsAppendedOnce() throws Exception {
        String body = "{\"users\":[\"" + aliceId + "\"],\"event\":\"crud.update\",\"data\":{\"n\":1},"
                + "\"publish_id\":\"retry-" + System.nanoTime() + "\"}";
        String first = AppClient.publish(base(), "test-token", body).body();
        String again = AppClient.publish(base(), "test-token", body).body();
        assertThat(again).isEqualTo(first);
    }

    @Test
    void signingOutEndsTheOpenStreamsWithAuthExpiredAndLogsNoError(CapturedOutput output) throws Exception {
        SseClient stream = open("", Map.of());
        stream.events().awaitFirst("ready", WAIT);

        alice.signOut();

        assertThat(stream.events().awaitFirst("auth-expired", WAIT).data()).isEqualTo("{\"reason\":\"signed-out\"}");
        stream.awaitEnd(WAIT);
        assertThat(open("", Map.of()).status()).isEqualTo(401);
        await().atMost(WAIT).until(() -> hub.connectionCount(aliceId) == 0);
        assertThat(output.getAll()).doesNotContain("Exception");
    }


    /** A bad, expired or empty token (a same-site host may set the cookie) never beats a valid session. */
    @Test
    void aValidSessionWinsOverABadOrEmptyToken() throws Exception {
        String expired = TestTokens.hs256(TOKEN_SECRET, "someone-else", Duration.ofHours(-1));
        for (String query : List.of("token=not.a.jwt", "token=", "token=" + expired)) {
            SseClient stream = open(query, Map.of());
            assertThat(stream.status()).as(query).isEqualTo(200);
            stream.events().awaitFirst("ready", WAIT);
            stream.close();
            await().atMost(WAIT).until(() -> hub.connectionCount(aliceId) == 0);
        }
        SseClient cookie = open("", Map.of("Cookie", alice.cookieHeader() + "; hub_token=garbage"));
        assertThat(cookie.status()).isEqualTo(200);
        assertThat(hub.connectionCount(aliceId)).isPositive();
        assertThat(alice.get("/stream/app/poll?token=garbage").statusCode()).isEqualTo(200);
    }

    @Test
    void aClientPollingInATightLoopIsSlowedWith429() throws Exception {
        AppClient dave = AppClient.signedIn(base(), "dave");
        HttpResponse<String> slowed = null;
        for (int i = 0; i < 60 && slowed == null; i++) {
            HttpResponse<String> poll = dave.get("/stream/app/poll");
            if (poll.statusCode() == 429) {
                slowed = poll;
            }
            else {
                assertThat(poll.statusCode()).isEqualTo(200);
            }
        }
        assertThat(slowed).as("60 polls in a tight loop are never all served").isNotNull();
        assertThat(slowed.body()).contains("\"error\":\"too_many_polls\"").contains("polls (or opens streams) too often");
        assertThat(slowed.headers().firstValue("Retry-After")).hasValueSatisfying(
                seconds -> assertThat(Integer.parseInt(seconds)).isPositive());
    }

    /** Signing in as someone else in the same browser ends the previous user's streams at once (14.9). */
    @Test
    void signingInAsAnotherUserEndsThePreviousUsersStreamsAtOnce() throws Exception {
        SseClient stream = open("", Map.of());
        stream.events().awaitFirst("ready", WAIT);

        alice.signIn("bob", "demo");

        assertThat(stream.events().awaitFirst("auth-expired", WAIT).data()).isEqualTo("{\"reason\":\"session-ended\"}");
        stream.awaitEnd(WAIT);
        await().atMost(WAIT).until(() -> hub.connectionCount(aliceId) == 0);
    }
}
