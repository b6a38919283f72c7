package dev.livehub.hub.starter;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.nimbusds.jwt.PlainJWT;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.livehub.hub.CrudBus;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.SseEvent;
import dev.livehub.hub.testing.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter experience, over real HTTP: a host application with no hub code of its own ({@link StarterApplication})
 * serves the stream to token holders, publishes with {@code CrudBus} and over HTTP, and serves the client script.
 * The tokens are the subscriber tokens another backend would sign; a token's stream ends at its expiry with
 * {@code auth-expired}, and every bad token is a 401 that says what is wrong.
 */
@SpringBootTest(classes = StarterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "hub.token.secret=" + StarterExperienceTests.SECRET, "hub.publish.token=publish-secret",
                "hub.heartbeat=1s", "hub.token.clock-skew=1s" })
class StarterExperienceTests {

    static final String SECRET = "starter-secret-of-at-least-32-bytes!";

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Autowired
    CrudBus crudBus;

    private String url(String path) {
        return "http://localhost:" + port + path;
    }

    private SseClient stream(String query) throws Exception {
        return SseClient.open(url("/stream/app" + query), Map.of());
    }

    @Test
    void aTokenHolderReceivesWhatCrudBusPublishesToThem() throws Exception {
        try (SseClient learner = stream("?token=" + TestTokens.hs256(SECRET, "learner-1", Duration.ofMinutes(5)));
                SseClient other = stream("?token=" + TestTokens.hs256(SECRET, "learner-2", Duration.ofMinutes(5)))) {
            assertThat(learner.status()).isEqualTo(200);
            learner.events().awaitFirst("ready", Duration.ofSeconds(10));
            other.events().awaitFirst("ready", Duration.ofSeconds(10));

            crudBus.publishToUsers(List.of("learner-1"), "crud.update",
                    Map.of("model", "Task", "id", 12, "fields", Map.of("state", "done")));

            SseEvent event = learner.events().awaitPublished(1, Duration.ofSeconds(10)).getFirst();
            assertThat(event.event()).isEqualTo("crud.update");
            assertThat(event.data()).contains("\"model\":\"Task\"", "\"id\":12", "\"state\":\"done\"");
            // The other user's stream carries nothing but its heartbeats.
            int comments = other.comments();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> other.comments() > comments);
            assertThat(other.events().published()).isEmpty();
        }
    }

    @Test
    void theTokenMayComeAsACookieAndPublishingOverHttpReachesIt() throws Exception {
        String token = TestTokens.hs256(SECRET, "learner-3", Duration.ofMinutes(5));
        try (SseClient learner = SseClient.open(url("/stream/app"), Map.of("Cookie", "hub_token=" + token))) {
            learner.events().awaitFirst("ready", Duration.ofSeconds(10));

            HttpResponse<String> published = HTTP.send(HttpRequest.newBuilder(URI.create(url("/hub/publish")))
                .header("Authorization", "Bearer publish-secret")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"users\":[\"learner-3\"],\"event\":\"notif\",\"data\":{\"unread\":1}}"))
                .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(published.statusCode()).isEqualTo(202);
            assertThat(learner.events().awaitPublished(1, Duration.ofSeconds(10)).getFirst())
                .extracting(SseEvent::event, SseEvent::data).containsExactly("notif", "{\"unread\":1}");
        }
    }

    @Test
    void aStreamEndsAtItsTokensExpiryWithAuthExpired() throws Exception {
        try (SseClient learner = stream("?token=" + TestTokens.hs256(SECRET, "learner-4", Duration.ofSeconds(2)))) {
            learner.events().awaitFirst("ready", Duration.ofSeconds(10));

            SseEvent expired = learner.events().awaitFirst("auth-expired", Duration.ofSeconds(10));

            assertThat(expired.data()).isEqualTo("{\"reason\":\"expired\"}");
            learner.awaitEnd(Duration.ofSeconds(5));
            assertThat(learner.ended()).isTrue();
        }
    }

    @Test
    void everyBadTokenIsA401ThatSaysWhatIsWrong() throws Exception {
        String expired = TestTokens.hs256(SECRET, "learner-5", Duration.ofMinutes(-2));
        String forged = TestTokens.hs256("another-secret-of-at-least-32-bytes!!", "learner-5", Duration.ofMinutes(5));
        String unsigned = new PlainJWT(TestTokens.claims("learner-5", Duration.ofMinutes(5)).build()).serialize();
        Map<String, String> cases = Map.of(
                "?token=" + expired, "the token has expired",
                "?token=" + forged, "signature is wrong",
                "?token=" + unsigned, "unsigned (alg none)",
                "?token=garbage", "malformed",
                "", "send a subscriber token");
        for (Map.Entry<String, String> each : cases.entrySet()) {
            try (SseClient refused = stream(each.getKey())) {
                assertThat(refused.status()).as(each.getKey()).isEqualTo(401);
                assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                        type -> assertThat(type).startsWith("application/json"));
                assertThat(refused.errorBody()).as(each.getKey()).contains(each.getValue());
            }
        }
        HttpResponse<String> poll = HTTP.send(HttpRequest.newBuilder(URI.create(url("/stream/app/poll?token=" + forged)))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(poll.statusCode()).isEqualTo(401);
        assertThat(poll.body()).contains("bad_token");
    }

    @Test
    void theClientScriptIsServed() throws Exception {
        HttpResponse<String> script = HTTP.send(HttpRequest.newBuilder(URI.create(url("/hub/app-stream.js"))).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).contains("javascript"));
        assertThat(script.body()).contains("global.AppStream", "token");
    }
}
