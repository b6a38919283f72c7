package dev.livehub.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.livehub.hub.testing.RedisServerExtension;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Health as a load balancer and an operator see it, on a hub server on the Redis engine: Redis stopped under a running
 * node makes {@code /actuator/health} DOWN within 5 s (and UP again when it is back) while readiness stays UP (every
 * node shares that Redis: taking them all out of the load balancer would refuse the streams that now wait for it),
 * unless the operator puts the hub in the readiness group; a node that drains (SIGTERM: its context closes) answers
 * readiness OUT_OF_SERVICE while its streams are still open, so no new stream is sent its way. The outage is logged as
 * a few lines, not a warning per reconnect attempt.
 */
@ExtendWith(OutputCaptureExtension.class)
class HealthIntegrationTests {

    private static final String SECRET = "health-test-secret-of-32-bytes-or-more";

    private static final String OPERATOR = "operator:health-test";

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private final HttpClient http = HttpClient.newHttpClient();

    private ConfigurableApplicationContext node;

    private int port;

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (!accepts(redis.port())) {
            redis.startAgain();
        }
    }

    @Test
    void redisStoppedUnderARunningNodeIsDownWithinFiveSeconds() throws Exception {
        start("5s");
        assertThat(get("/actuator/health", OPERATOR).body()).contains("\"status\":\"UP\"", "\"redis\":{",
                "\"links\":{\"commands\":true,\"pubsub\":true}");

        long named = namedConnections();
        assertThat(named).as("the node's connections named hub-node:...").isPositive();

        redis.stopKeepingData();
        long stopped = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
            .until(() -> get("/actuator/health", null).statusCode() == 503);
        long tookMs = (System.nanoTime() - stopped) / 1_000_000;
        HttpResponse<String> down = get("/actuator/health", OPERATOR);
        assertThat(down.body()).contains("\"status\":\"DOWN\"", "\"live\":\"down\"");
        assertThat(tookMs).isLessThan(5000);
        // Readiness stays UP: a new stream is still taken (it waits, with heartbeats, and catches up when Redis is
        // back), and a restart would not bring Redis back either.
        assertThat(get("/actuator/health/readiness", null).statusCode()).isEqualTo(200);
        assertThat(get("/actuator/health/liveness", null).statusCode()).isEqualTo(200);
        // The console's nodes view still shows this node, from its own figures, and says why the rest is missing.
        HttpResponse<String> nodes = get("/hub/console/api/nodes", OPERATOR);
        assertThat(nodes.statusCode()).as(nodes.body()).isEqualTo(200);
        assertThat(nodes.body()).contains("Redis is unreachable: the cluster view needs it; this node: ",
                "\"links\":{\"commands\":false");

        redis.startAgain();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
            .until(() -> get("/actuator/health", null).statusCode() == 200);
        assertThat(get("/actuator/health", OPERATOR).body()).contains("\"live\":\"up\"");
        // The reconnected connections keep their name, so hubctl stats still counts this node.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
            .untilAsserted(() -> assertThat(namedConnections()).isEqualTo(named));
    }

    /** A node that stops cleanly removes its heartbeat at once: the console and hubctl stop listing it. */
    @Test
    void aNodeThatStopsCleanlyRemovesItsHeartbeat() throws Exception {
        start("5s");
        await().atMost(Duration.ofSeconds(10)).until(() -> !redis.commands().keys("*:node:*").isEmpty());
        node.close();
        node = null;
        assertThat(redis.commands().keys("*:node:*")).isEmpty();
    }

    private static long namedConnections() {
        return redis.commands().clientList().lines().filter(line -> line.contains(" name=hub-node:")).count();
    }

    /** Where nodes do not share one Redis's fate, the hub in the readiness group takes a node cut off from it out. */
    @Test
    void withTheHubInTheReadinessGroupANodeWithoutRedisIsNotReady() throws Exception {
        start("5s", "--management.endpoint.health.group.readiness.include=readinessState,hub");
        assertThat(get("/actuator/health/readiness", null).statusCode()).isEqualTo(200);

        redis.stopKeepingData();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
            .until(() -> get("/actuator/health/readiness", null).statusCode() == 503);
        assertThat(get("/actuator/health/liveness", null).statusCode()).isEqualTo(200);

        redis.startAgain();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
            .until(() -> get("/actuator/health/readiness", null).statusCode() == 200);
    }

    /**
     * Lettuce's watchdog (a warning per reconnect attempt per connection, several a second) and Boot's Redis check (a
     * stack trace per health request) are quiet; the hub says it once when live delivery pauses, once per
     * {@code hub.redis.outage-log-interval} with Lettuce's reason, and once when it is back; a shutdown says nothing of
     * the kind.
     */
    @Test
    void aRedisOutageIsLoggedOncePerIntervalNotOncePerReconnectAttempt(CapturedOutput output) throws Exception {
        start("5s", "--hub.redis.outage-log-interval=2s");
        int before = output.getOut().length();

        redis.stopKeepingData();
        long stopped = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
            .until(() -> get("/actuator/health", null).statusCode() == 503);
        // Health requests through the outage, as a load balancer sends them, and several reconnect attempts.
        for (int i = 0; i < 6; i++) {
            assertThat(get("/actuator/health", null).statusCode()).isEqualTo(503);
            Thread.sleep(1000);
        }
        long outageSeconds = (System.nanoTime() - stopped) / 1_000_000_000L;
        String during = output.getOut().substring(before);
        assertThat(count(during, "A Redis connection dropped; live delivery paused")).isOne();
        assertThat(count(during, "Redis still unreachable after")).as(during)
            .isBetween(1, (int) (outageSeconds / 2) + 1);
        assertThat(during).contains("Connection refused").doesNotContain("ConnectionWatchdog",
                "Cannot reconnect", "Redis health check failed", "Resubscribing");

        redis.startAgain();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
            .until(() -> output.getOut().substring(before).contains("Live delivery restored after"));
        assertThat(count(output.getOut().substring(before), "Live delivery restored after")).isOne();

        // A shutdown is not an outage: the engine closes before Boot's connection factory shuts its client down.
        int beforeClose = output.getOut().length();
        node.close();
        node = null;
        assertThat(output.getOut().substring(beforeClose)).doesNotContain("A Redis connection dropped",
                "Connection is already closed");
    }

    @Test
    void aDrainingNodeIsOutOfServiceBeforeItsStreamsEnd() throws Exception {
        start("4s");
        List<SseClient> streams = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            streams.add(SseClient.open("http://127.0.0.1:" + port + "/stream/app?token="
                    + TestTokens.hs256(SECRET, "drain-" + i, Duration.ofMinutes(5)), Map.of()));
        }
        assertThat(streams).allSatisfy(stream -> assertThat(stream.status()).isEqualTo(200));
        assertThat(get("/actuator/health/readiness", null).statusCode()).isEqualTo(200);

        CompletableFuture<Void> sigterm = CompletableFuture.runAsync(node::close);
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
            .until(() -> get("/actuator/health/readiness", null).statusCode() == 503);
        assertThat(get("/actuator/health/readiness", null).body()).contains("\"status\":\"OUT_OF_SERVICE\"");
        assertThat(streams).as("streams still open when readiness went OUT_OF_SERVICE")
            .anySatisfy(stream -> assertThat(stream.ended()).isFalse());

        sigterm.get();
        node = null;
        assertThat(streams).allSatisfy(stream -> assertThat(stream.ended()).isTrue());
        streams.forEach(SseClient::close);
    }

    private void start(String drainWindow, String... extra) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--hub.engine=redis",
                "--spring.data.redis.host=" + redis.host(), "--spring.data.redis.port=" + redis.port(),
                "--hub.token.secret=" + SECRET, "--hub.drain-window=" + drainWindow,
                "--spring.security.user.password=" + OPERATOR.substring(OPERATOR.indexOf(':') + 1)));
        args.addAll(List.of(extra));
        node = new SpringApplicationBuilder(HubServer.class).run(args.toArray(String[]::new));
        port = ((WebServerApplicationContext) node).getWebServer().getPort();
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }

    private HttpResponse<String> get(String path, String credentials) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10));
        if (credentials != null) {
            request.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static boolean accepts(int port) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }
}
