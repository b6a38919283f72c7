package dev.livehub.nginx;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import dev.livehub.app.AppClient;
import dev.livehub.app.PostgresDatabase;
import dev.livehub.hub.testing.ReconnectingSseClient;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three app.jar nodes behind a real nginx, started by nginx/cluster with the shipped nginx.conf: events stream through
 * one by one, heartbeats outlive nginx's read timeout, sessions work on every node, and browsers survive a node
 * killed with -9 and a node drained with SIGTERM with every event once, in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NginxClusterIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Subscriber tokens, for the load generator's clients. */
    private static final String TOKEN_SECRET = "cluster-subscriber-token-secret-32-bytes";

    private static final List<String> USERS = List.of("alice", "bob", "admin", "carol", "dave", "erin");

    @TempDir
    static Path dir;

    static PostgresDatabase database;

    static Cluster cluster;

    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void up() throws Exception {
        database = new PostgresDatabase();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HUB_PUBLISH_TOKEN", "cluster-token");
        env.put("HUB_TOKEN_SECRET", TOKEN_SECRET);
        env.put("HUB_HEARTBEAT", "1s");
        env.put("HUB_MAX_CONNECTIONS_PER_USER", "200");
        // 50 streams per user come and go at once here (a test load, not one browser): no per-user connect limit.
        env.put("HUB_CONNECT_RATE_BURST", "10000");
        env.put("HUB_DRAIN_WINDOW", "3s");
        env.put("NGINX_STREAM_READ_TIMEOUT", "3s");
        env.put("SPRING_DATASOURCE_URL", database.properties().get("spring.datasource.url"));
        env.put("JAVA_TOOL_OPTIONS", "-Xmx512m -XX:TieredStopAtLevel=1");
        String javaHome = System.getProperty("java.home");
        env.put("JAVA_HOME", javaHome);
        cluster = new Cluster(dir, env);
        cluster.up(3, Cluster.freeListenPort());
    }

    @AfterAll
    static void down() throws Exception {
        cluster.close();
        database.close();
    }

    private static String publish(String user, String event, String data, String publishId) throws Exception {
        // A publisher retries until accepted; the publish id makes a retry safe.
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                HttpResponse<String> response = AppClient.publish(cluster.url(), "cluster-token",
                        "{\"users\":[\"" + user + "\"],\"event\":\"" + event + "\",\"data\":" + data
                                + ",\"publish_id\":\"" + publishId + "\"}");
                if (response.statusCode() == 202) {
                    return response.body();
                }
            }
            catch (java.io.IOException ex) {
                // The node behind nginx died mid-request: retry.
            }
            Thread.sleep(100);
        }
        throw new AssertionError("publish of " + publishId + " never accepted");
    }

    private static String idOf(AppClient client) throws Exception {
        return client.get("/api/me").body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
    }

    @Test
    @Order(0)
    void upUsesThePortsItIsGivenAndSaysHowLongTheNodesTookToStart() {
        assertThat(cluster.state()).containsAllEntriesOf(cluster.requestedPorts());
        assertThat(cluster.upOutput()).contains("cluster: node 1 answered after ", "cluster: node 3 answered after ")
            .containsPattern("cluster: 3 nodes started in \\d+\\.\\d s");
    }

    @Test
    @Order(1)
    void eventsComeThroughNginxOneByOneAsPublished() throws Exception {
        AppClient alice = AppClient.signedIn(cluster.url(), "alice");
        String aliceId = idOf(alice);
        try (SseClient stream = alice.stream()) {
            assertThat(stream.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
            stream.events().awaitFirst("ready", WAIT);
            for (int n = 1; n <= 5; n++) {
                publish(aliceId, "crud.update", "{\"n\":" + n + "}", "frames-" + System.nanoTime());
                // Each event is through nginx before the next is even published: nothing waits in a buffer.
                assertThat(stream.events().awaitPublished(n, Duration.ofSeconds(5))).hasSize(n);
            }
        }
    }

    @Test
    @Order(2)
    void heartbeatsKeepAStreamOpenPastNginxsReadTimeout() throws Exception {
        AppClient bob = AppClient.signedIn(cluster.url(), "bob");
        try (SseClient stream = bob.stream()) {
            stream.events().awaitFirst("ready", WAIT);
            long start = System.nanoTime();
            // nginx's read timeout on streams is 3 s here; heartbeats come every second.
            await().atMost(WAIT).until(() -> Duration.ofNanos(System.nanoTime() - start).toSeconds() >= 7
                    || stream.ended());
            assertThat(stream.ended()).as("the stream outlived nginx's 3 s read timeout").isFalse();
            assertThat(stream.comments()).isGreaterThanOrEqualTo(6);
        }
    }

    @Test
    @Order(3)
    void aSessionCreatedOnOneNodeIsAcceptedByAll() throws Exception {
        AppClient alice = AppClient.signedIn(cluster.url(), "alice");
        Set<String> nodes = new HashSet<>();
        for (int i = 0; i < 9; i++) {
            HttpResponse<String> me = alice.get("/api/me");
            assertThat(me.statusCode()).isEqualTo(200);
            assertThat(me.body()).contains("\"username\":\"alice\"");
            nodes.add(me.headers().firstValue("X-Served-By").orElseThrow());
        }
        assertThat(nodes).as("round robin over every node").containsExactlyInAnyOrder("node1", "node2", "node3");
    }

    @Test
    @Order(4)
    void browsersGetHttp2OverTlsSoTabsAreNotCappedAtSixConnections() throws Exception {
        // curl, as the JDK client would need the self-signed certificate in a trust store to speak to it.
        Process curl = new ProcessBuilder("curl", "-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version}",
                cluster.httpsUrl() + "/login").start();
        String version = new String(curl.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(curl.waitFor()).isZero();
        assertThat(version).isEqualTo("2");
    }

    @Test
    @Order(5)
    void browsersSurviveANodeKilledAndANodeDrainedWithEveryEventOnceInOrder() throws Exception {
        Map<String, AppClient> clients = new LinkedHashMap<>();
        Map<String, String> ids = new LinkedHashMap<>();
        for (String user : USERS) {
            AppClient client = AppClient.signedIn(cluster.url(), user);
            clients.put(user, client);
            ids.put(user, idOf(client));
        }
        List<ReconnectingSseClient> streams = new ArrayList<>();
        Map<ReconnectingSseClient, String> userOf = new ConcurrentHashMap<>();
        for (int i = 0; i < 300; i++) {
            String user = USERS.get(i % USERS.size());
            ReconnectingSseClient stream = new ReconnectingSseClient(http, cluster.url() + "/stream/app",
                    Map.of("Cookie", clients.get(user).cookieHeader()));
            streams.add(stream);
            userOf.put(stream, user);
        }
        try {
            for (ReconnectingSseClient stream : streams) {
                stream.events().awaitFirst("ready", WAIT);
            }
            Map<String, AtomicInteger> sequence = new ConcurrentHashMap<>();
            USERS.forEach(user -> sequence.put(user, new AtomicInteger()));
            AtomicBoolean publishing = new AtomicBoolean(true);
            Thread publisher = Thread.ofVirtual().start(() -> {
                try {
                    while (publishing.get()) {
                        for (String user : USERS) {
                            int n = sequence.get(user).incrementAndGet();
                            publish(ids.get(user), "crud.update", "{\"seq\":" + n + "}", user + "-" + n);
                        }
                        // The publisher's steady rate: about 60 events a second over six users.
                        Thread.sleep(100);
                    }
                }
                catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            });

            await().atMost(WAIT).until(() -> sequence.get("alice").get() >= 10);
            long killedAt = System.nanoTime();
            cluster.run("kill", "2");
            await().atMost(WAIT).until(() -> streams.stream().allMatch(ReconnectingSseClient::connected)
                    && streams.stream().anyMatch(s -> !s.reconnectMillis().isEmpty()));
            long back = Duration.ofNanos(System.nanoTime() - killedAt).toMillis();
            long movedAfterKill = streams.stream().filter(s -> !s.reconnectMillis().isEmpty()).count();
            System.out.printf("kill -9 node2: %d of 300 streams moved; the last was back %d ms after the kill%n",
                    movedAfterKill, back);

            String killedLog = Files.readString(cluster.log(2));
            String restarted = cluster.run("start", "2");
            assertThat(restarted).contains("cluster: node 2 answered after ");
            String log = Files.readString(cluster.log(2));
            assertThat(log).as("a restarted node's log goes on after the killed run's").startsWith(killedLog);
            assertThat(log.split("==== nginx/cluster: node 2 started", -1)).hasSize(3);
            int before = sequence.get("alice").get();
            await().atMost(WAIT).until(() -> sequence.get("alice").get() >= before + 10);
            Map<ReconnectingSseClient, Integer> reconnectsBeforeDrain = new LinkedHashMap<>();
            streams.forEach(s -> reconnectsBeforeDrain.put(s, s.reconnectMillis().size()));
            cluster.run("stop", "3");
            int afterDrain = sequence.get("alice").get();
            await().atMost(WAIT).until(() -> sequence.get("alice").get() >= afterDrain + 10);
            publishing.set(false);
            publisher.join();

            for (ReconnectingSseClient stream : streams) {
                String user = userOf.get(stream);
                int last = sequence.get(user).get();
                List<String> expected = new ArrayList<>();
                for (int n = 1; n <= last; n++) {
                    expected.add("{\"seq\":" + n + "}");
                }
                List<SseEvent> received = stream.events().awaitPublished(last, WAIT);
                assertThat(received).extracting(SseEvent::data).as("events of " + user)
                    .containsExactlyElementsOf(expected);
                assertThat(stream.events().all()).noneMatch(e -> e.event().equals("reset"));
            }
            List<Long> drainReconnects = new ArrayList<>();
            streams.forEach(s -> drainReconnects.addAll(
                    s.reconnectMillis().subList(reconnectsBeforeDrain.get(s), s.reconnectMillis().size())));
            System.out.printf("SIGTERM node3: %d streams moved; slowest reconnection %d ms%n",
                    drainReconnects.size(), drainReconnects.stream().mapToLong(Long::longValue).max().orElse(0));
            assertThat(drainReconnects).as("streams moved off the drained node").isNotEmpty();
            assertThat(drainReconnects).as("no client waited its full retry (5 s and more)").allMatch(ms -> ms < 5000);
        }
        finally {
            streams.forEach(ReconnectingSseClient::close);
        }
    }

    @Test
    @Order(6)
    void theLoadGeneratorSignsUsersInThroughNginxAndTheirSessionStreamsGetEveryEvent() throws Exception {
        Path out = dir.resolve("login.json");
        Process loadtest = loadtest("steady", "--login", String.join(",", USERS.stream().map(u -> u + ":demo").toList()),
                "--connections", "60", "--rate", "30", "--warmup", "1", "--duration", "3", "--publish", "redis",
                "--out", out.toString());
        assertThat(loadtest.waitFor(2, TimeUnit.MINUTES)).as("loadtest ended").isTrue();
        System.out.println(Files.readString(dir.resolve("steady.log")));
        assertThat(loadtest.exitValue()).isZero();
        JsonNode result = JsonMapper.builder().build().readTree(Files.readString(out));
        assertThat(result.path("users").asLong()).isEqualTo(USERS.size());
        assertThat(result.path("connected").asLong()).isEqualTo(60);
        assertThat(result.path("lost").asLong()).isZero();
        assertThat(result.path("duplicated").asLong()).isZero();
        assertThat(result.path("delivered").asLong()).isEqualTo(120 * 10);
    }

    /** Runs loadtest.jar against the cluster (through nginx, publishing into the cluster's Redis). */
    private static Process loadtest(String scenario, String... args) throws Exception {
        Path jar = Path.of("../loadtest/target/loadtest.jar").toAbsolutePath().normalize();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
            .toString(), "-Xmx512m", "-jar", jar.toString(), scenario, "--url",
                cluster.url().replace("localhost", "127.0.0.1"), "--redis", "redis://127.0.0.1:" + cluster.redisPort(),
                "--token-secret", TOKEN_SECRET));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(dir.resolve(scenario + ".log").toFile()).start();
    }

    @Test
    @Order(7)
    void theLoadGeneratorsFailoverRunLosesNothingWhenANodeIsKilled() throws Exception {
        // The node the previous test drained comes back: three nodes, then one is killed mid-run.
        cluster.run("start", "3");
        long node1 = Long.parseLong(Files.readString(dir.resolve("run/node1.pid")).strip());
        Path out = dir.resolve("failover.json");
        Process loadtest = loadtest("failover", "--connections", "300", "--users", "100", "--rate", "100", "--warmup",
                "2", "--duration", "8", "--kill-at", "3", "--kill-pid", Long.toString(node1), "--reconnect-ms", "500",
                "--publish", "redis", "--out", out.toString());
        try {
            assertThat(loadtest.waitFor(3, TimeUnit.MINUTES)).as("loadtest ended").isTrue();
            System.out.println(Files.readString(dir.resolve("failover.log")));
            assertThat(loadtest.exitValue()).as("exit status: 0 when nothing was lost or duplicated").isZero();
            JsonNode result = JsonMapper.builder().build().readTree(Files.readString(out));
            assertThat(result.path("connected").asLong()).isGreaterThanOrEqualTo(300);
            assertThat(result.path("failover").path("reconnected").asLong()).as("streams of the killed node moved")
                .isPositive();
            assertThat(result.path("lost").asLong()).isZero();
            assertThat(result.path("duplicated").asLong()).isZero();
            assertThat(result.path("published").asLong()).isEqualTo(1000);
        }
        finally {
            loadtest.destroyForcibly();
            cluster.run("start", "1");
        }
    }
}
