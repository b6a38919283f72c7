package dev.livehub.nginx;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import dev.livehub.app.AppClient;
import dev.livehub.app.PostgresDatabase;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14.16: the shipped {@code nginx/apache.conf} in a real Apache httpd, in front of app.jar nodes started by
 * nginx/cluster, as {@link NginxClusterIntegrationTests} does for nginx: signed-in users' streams go to the nodes'
 * stream ports (Netty) and their polls to the nodes' own ports, events come through one by one, heartbeats outlive
 * Apache's proxy timeout on streams, and browsers survive a node killed with -9 with every event once, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApacheClusterIntegrationTests {

    private static final List<String> USERS = List.of("alice", "bob", "carol", "dave");

    @TempDir
    static Path dir;

    static PostgresDatabase database;

    static Cluster cluster;

    static ApacheHttpd apache;

    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void up() throws Exception {
        database = new PostgresDatabase();
        Map<String, String> env = Cluster.testEnvironment(database.properties().get("spring.datasource.url"));
        env.put("JAVA_TOOL_OPTIONS", "-Xmx384m -XX:TieredStopAtLevel=1");
        cluster = new Cluster(dir.resolve("cluster"), env);
        cluster.up(2, Cluster.freeListenPort());
        // Apache's proxy timeout on streams is 3 s here (3600 as shipped); heartbeats come every second.
        apache = new ApacheHttpd(dir.resolve("apache"), Cluster.freeListenPort(),
                List.of(cluster.nodePort(1), cluster.nodePort(2)),
                List.of(cluster.streamPort(1), cluster.streamPort(2)), 3);
    }

    @AfterAll
    static void down() throws Exception {
        if (apache != null) {
            System.out.println(apache.log());
            apache.close();
        }
        cluster.close();
        database.close();
    }

    /**
     * The servlet container adds {@code X-Served-By} to every response of a node (the app's ServedByFilter); the
     * stream port is Netty, which serves {@code GET /stream/app} and nothing else, so it answers without one.
     */
    @Test
    @Order(0)
    void signedInStreamsGoToTheStreamPortsAndPollsToTheNodesOwnPorts() throws Exception {
        AppClient alice = AppClient.signedIn(apache.url(), "alice");
        String ready;
        try (SseClient stream = alice.stream()) {
            ready = stream.events().awaitFirst("ready", StreamsUnderLoad.WAIT).id();
            assertThat(stream.headers().firstValue("X-Served-By")).as("served by a stream port").isEmpty();
        }
        ClusterTraffic.publish(apache.url(), ClusterTraffic.idOf(alice), "crud.update", "{\"routed\":1}",
                "routed-" + System.nanoTime());
        // Both nodes, in turn; the query goes along: the stream resumes after the cursor, with no 'ready'.
        for (int i = 0; i < 2; i++) {
            try (SseClient stream = alice.stream("?last_id=" + ready, Map.of())) {
                assertThat(stream.events().awaitPublished(1, StreamsUnderLoad.WAIT)).extracting(SseEvent::data)
                    .containsExactly("{\"routed\":1}");
                assertThat(stream.headers().firstValue("X-Served-By")).as("served by a stream port").isEmpty();
                assertThat(stream.events().all()).noneMatch(event -> event.event().equals("ready"));
            }
        }
        HttpResponse<String> poll = alice.get("/stream/app/poll");
        assertThat(poll.statusCode()).isEqualTo(200);
        assertThat(poll.headers().firstValue("X-Served-By")).as("served by a node's own port").isPresent();
        assertThat(poll.body()).contains("\"last_id\"");
    }

    /** Apache on a port of its own (not 80): the nodes' redirects keep it (X-Forwarded-Port), so sign-in works. */
    @Test
    @Order(0)
    void redirectsKeepThePortTheBrowserUsed() throws Exception {
        HttpResponse<Void> page = http.send(HttpRequest.newBuilder(URI.create(apache.url() + "/tasks"))
                .header("Accept", "text/html").build(),
                HttpResponse.BodyHandlers.discarding());

        assertThat(page.statusCode()).isEqualTo(302);
        URI login = URI.create(apache.url()).resolve(page.headers().firstValue("Location").orElseThrow());
        assertThat(login.getPort()).as("the redirect's port").isEqualTo(URI.create(apache.url()).getPort());
        assertThat(login.getPath()).isEqualTo("/login");
    }

    @Test
    @Order(1)
    void eventsComeThroughApacheOneByOneAsPublished() throws Exception {
        ClusterTraffic.assertEventsComeOneByOne(apache.url());
    }

    @Test
    @Order(2)
    void heartbeatsKeepAStreamOpenPastApachesProxyTimeout() throws Exception {
        ClusterTraffic.assertHeartbeatsKeepAStreamOpen(apache.url());
    }

    @Test
    @Order(3)
    void browsersSurviveANodeKilledBehindApacheWithEveryEventOnceInOrder() throws Exception {
        // Signed-in users' streams, on the stream ports. Each open stream holds one of Apache's worker threads
        // (mod_proxy_http): 60 stay well below the defaults.
        try (StreamsUnderLoad load = new StreamsUnderLoad(apache.url(), USERS, 60, http)) {
            load.startPublishing();
            load.awaitRounds(10);
            long killedAt = System.nanoTime();
            cluster.run("kill", "2");
            load.awaitAllBack();
            long back = Duration.ofNanos(System.nanoTime() - killedAt).toMillis();
            load.awaitRounds(10);
            load.stopAndCheck();
            System.out.printf("apache, kill -9 node2: %d of 60 streams moved, the last back %d ms after the kill; "
                    + "every event once, in order%n", load.moved(), back);
        }
    }
}
