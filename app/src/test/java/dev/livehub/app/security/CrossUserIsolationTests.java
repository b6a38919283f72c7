package dev.livehub.app.security;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.livehub.app.AppClient;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A user never receives another user's events, whatever the request names: every demo user opens the stream and
 * polls with every way a request could try to name someone else (query parameters, headers), one event is published
 * to each user, and each stream and poll holds exactly that user's own event.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "app.demo-users=true", "hub.publish.token=test-token" })
class CrossUserIsolationTests {

    private static final List<String> USERS = List.of("alice", "bob", "carol", "dave", "erin", "admin");

    @LocalServerPort
    int port;

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    /** Query strings and headers that name another user; the first is the plain request. */
    private static List<Map.Entry<String, Map<String, String>>> attempts(String otherId, String otherName) {
        return List.of(
                Map.entry("", Map.of()),
                Map.entry("?user=" + otherId + "&user_id=" + otherId + "&userId=" + otherId, Map.of()),
                Map.entry("?username=" + otherName + "&sub=" + otherId + "&token=" + otherId, Map.of()),
                Map.entry("", Map.of("X-User", otherId, "X-User-Id", otherId, "X-Hub-User", otherId,
                        "X-Forwarded-User", otherName, "X-Remote-User", otherName)),
                Map.entry("", Map.of("Authorization", "Bearer " + otherId, "X-Hub-Origin", otherId)));
    }

    @Test
    void everyUserReceivesOnlyTheirOwnEventsWhateverTheRequestNames() throws Exception {
        Map<String, AppClient> clients = new LinkedHashMap<>();
        Map<String, String> ids = new LinkedHashMap<>();
        for (String name : USERS) {
            AppClient client = AppClient.signedIn(base(), name);
            clients.put(name, client);
            ids.put(name, client.get("/api/me").body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1"));
        }
        Map<String, List<SseClient>> streams = new LinkedHashMap<>();
        List<SseClient> all = new ArrayList<>();
        try {
            for (int i = 0; i < USERS.size(); i++) {
                String name = USERS.get(i);
                String other = USERS.get((i + 1) % USERS.size());
                List<SseClient> own = new ArrayList<>();
                for (Map.Entry<String, Map<String, String>> attempt : attempts(ids.get(other), other)) {
                    SseClient stream = clients.get(name).stream(attempt.getKey(), attempt.getValue());
                    assertThat(stream.status()).as(name + " " + attempt + " " + stream.errorBody()).isEqualTo(200);
                    own.add(stream);
                    all.add(stream);
                }
                streams.put(name, own);
            }
            all.forEach(stream -> stream.events().awaitFirst("ready", Duration.ofSeconds(10)));

            for (String round : List.of("event", "marker")) {
                for (String name : USERS) {
                    HttpResponse<String> published = AppClient.publish(base(), "test-token", "{\"users\":[\""
                            + ids.get(name) + "\"],\"event\":\"notif\",\"data\":{\"to\":\"" + ids.get(name)
                            + "\",\"round\":\"" + round + "\"}}");
                    assertThat(published.statusCode()).isEqualTo(202);
                }
            }

            // The markers were published after every event: once a stream has its marker, an event misrouted to it
            // would have arrived before.
            for (String name : USERS) {
                for (SseClient stream : streams.get(name)) {
                    List<SseEvent> events = stream.events().awaitPublished(2, Duration.ofSeconds(10));
                    assertThat(events).as(name).extracting(SseEvent::data).containsExactly(
                            "{\"to\":\"" + ids.get(name) + "\",\"round\":\"event\"}",
                            "{\"to\":\"" + ids.get(name) + "\",\"round\":\"marker\"}");
                }
                String other = USERS.get((USERS.indexOf(name) + 1) % USERS.size());
                for (Map.Entry<String, Map<String, String>> attempt : attempts(ids.get(other), other)) {
                    String query = attempt.getKey().isEmpty() ? "?last_id=0-0" : attempt.getKey() + "&last_id=0-0";
                    HttpResponse<String> poll = clients.get(name).get("/stream/app/poll" + query);
                    assertThat(poll.statusCode()).isEqualTo(200);
                    assertThat(poll.body()).as(name + " poll " + query).contains("{\\\"to\\\":\\\"" + ids.get(name))
                        .doesNotContain("{\\\"to\\\":\\\"" + ids.get(other) + "\\\"");
                }
            }
        }
        finally {
            all.forEach(SseClient::close);
        }
    }
}
