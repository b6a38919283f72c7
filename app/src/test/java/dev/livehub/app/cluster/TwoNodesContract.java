package dev.livehub.app.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.livehub.app.AppClient;
import dev.livehub.app.AppNode;
import dev.livehub.hub.Hub;
import dev.livehub.hub.testing.RedisServerExtension;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two app nodes on one Redis, as behind a load balancer: a session from one node works on the other, an event
 * published on one reaches a stream on the other, and a stream dropped on one resumes on the other with nothing lost
 * and nothing twice. Run on a standalone Redis and on a Redis Cluster.
 */
abstract class TwoNodesContract {

    static final Duration WAIT = Duration.ofSeconds(10);

    static AppNode node1;

    static AppNode node2;

    @AfterAll
    static void stopNodes() {
        node1.close();
        node2.close();
    }

    /** Appends and rings the bell with plain Redis commands, as a backend in another language would. */
    abstract String publishWithWireFormat(String key, String channel, String event, String json);

    private static String publish(String user, int n) throws Exception {
        var response = AppClient.publish(node1.url(), "test-token",
                "{\"users\":[\"" + user + "\"],\"event\":\"crud.update\",\"data\":{\"n\":" + n + "}}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return response.body().replaceAll(".*\"" + user + "\":\"([^\"]+)\".*", "$1");
    }

    private static String data(int n) {
        return "{\"n\":" + n + "}";
    }

    /** The nodes check sessions every 60 s here: what ends a stream on the other node within a second is the news. */
    static final Duration AT_ONCE = Duration.ofSeconds(2);

    @Test
    void signingOutOnOneNodeEndsTheUsersStreamsOnEveryNodeAtOnce() throws Exception {
        AppClient carol = AppClient.signedIn(node1.url(), "carol");
        SseClient onNode1 = carol.stream(node1.url(), "", Map.of());
        SseClient onNode2 = carol.stream(node2.url(), "", Map.of());
        onNode1.events().awaitFirst("ready", WAIT);
        onNode2.events().awaitFirst("ready", WAIT);

        carol.signOut();

        // Node 1 served the sign-out and tells node 2 through Redis (issue 14.9).
        assertThat(onNode1.events().awaitFirst("auth-expired", AT_ONCE).data()).contains("signed-out");
        assertThat(onNode2.events().awaitFirst("auth-expired", AT_ONCE).data()).contains("signed-out");
        onNode2.awaitEnd(WAIT);
        assertThat(carol.stream(node2.url(), "", Map.of()).status()).isEqualTo(401);
    }

    @Test
    void signingInAsAnotherUserOnOneNodeEndsThePreviousUsersStreamOnTheOtherAtOnce() throws Exception {
        AppClient browser = AppClient.signedIn(node1.url(), "dave");
        String daveId = browser.get("/api/me").body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
        SseClient onNode2 = browser.stream(node2.url(), "", Map.of());
        onNode2.events().awaitFirst("ready", WAIT);

        // The same browser (cookie jar) signs in as someone else, through node 1: a new session id.
        long start = System.nanoTime();
        browser.signIn("erin", "demo");

        assertThat(onNode2.events().awaitFirst("auth-expired", AT_ONCE).data())
            .isEqualTo("{\"reason\":\"session-ended\"}");
        System.out.printf("sign-in on node 1 ended the old stream on node 2 after %d ms%n",
                (System.nanoTime() - start) / 1_000_000);
        onNode2.awaitEnd(WAIT);
        await().atMost(WAIT).until(() -> node2.bean(Hub.class).connectionCount(daveId) == 0);
        assertThat(browser.get("/api/me").body()).contains("erin");
    }

    @Test
    void aStreamDroppedOnOneNodeResumesOnTheOtherWithEveryEventOnceInOrder() throws Exception {
        AppClient alice = AppClient.signedIn(node1.url(), "alice");
        String me = alice.get("/api/me").body();
        String aliceId = me.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");

        // Signed in on node 1, streaming from node 2 with the same cookie: the session is in Redis.
        SseClient onNode2 = alice.stream(node2.url(), "", Map.of());
        assertThat(onNode2.status()).as(onNode2.errorBody()).isEqualTo(200);
        onNode2.events().awaitFirst("ready", WAIT);
        for (int n = 1; n <= 5; n++) {
            publish(aliceId, n);
        }
        List<SseEvent> first = onNode2.events().awaitPublished(5, WAIT);
        assertThat(first).extracting(SseEvent::data).containsExactly(data(1), data(2), data(3), data(4), data(5));

        // The connection drops; events go on being published while the browser is away.
        onNode2.close();
        await().atMost(WAIT).until(() -> node2.bean(Hub.class).connectionCount(aliceId) == 0);
        List<String> missed = new ArrayList<>();
        for (int n = 6; n <= 10; n++) {
            missed.add(publish(aliceId, n));
        }

        // The browser comes back through the load balancer, to node 1, with Last-Event-ID.
        SseClient onNode1 = alice.stream(node1.url(), "", Map.of("Last-Event-ID", first.getLast().id()));
        List<SseEvent> resumed = onNode1.events().awaitPublished(5, WAIT);
        assertThat(resumed).extracting(SseEvent::id).containsExactlyElementsOf(missed);
        publish(aliceId, 11);
        List<SseEvent> all = onNode1.events().awaitPublished(6, WAIT);
        assertThat(all).extracting(SseEvent::data)
            .containsExactly(data(6), data(7), data(8), data(9), data(10), data(11));
        assertThat(onNode1.events().all()).noneMatch(e -> e.event().equals("reset") || e.event().equals("ready"));
        onNode1.close();
    }

    @Test
    void aPublisherThatKnowsOnlyTheWireFormatReachesAConnectedClient() throws Exception {
        AppClient bob = AppClient.signedIn(node1.url(), "bob");
        String bobId = bob.get("/api/me").body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
        SseClient stream = bob.stream();
        stream.events().awaitFirst("ready", WAIT);

        // Plain Redis commands, as a PHP or Python backend would send them: no hub code.
        String json = "{\"model\":\"Task\",\"id\":7}";
        String id = publishWithWireFormat("hub:{" + bobId + "}:events", "hub:{" + bobId + "}:bell", "crud.create",
                json);

        assertThat(stream.events().awaitPublished(1, WAIT)).containsExactly(new SseEvent(id, "crud.create", json));
        stream.close();
    }
}
