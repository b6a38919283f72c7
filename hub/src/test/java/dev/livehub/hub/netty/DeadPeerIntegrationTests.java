package dev.livehub.hub.netty;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.admission.ConnectRate;
import dev.livehub.hub.admission.SessionStreams;
import dev.livehub.hub.admission.SessionUsers;
import dev.livehub.hub.admission.StreamAdmission;
import dev.livehub.hub.admission.SubscriberTokens;
import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that vanishes without FIN or RST (its network interface gone: a laptop lid closed, a mobile network lost)
 * loses its streams' slots within three heartbeats. The client runs in a network namespace this test creates (Linux,
 * root: {@code ip netns}), joined to the host by a veth pair; taking the namespace's end down drops every packet with
 * no FIN and no RST. Heartbeats keep "succeeding" into the socket's buffer; TCP_USER_TIMEOUT is what ends it.
 */
class DeadPeerIntegrationTests {

    private static final String SECRET = "dead-peer-secret-of-at-least-32-bytes!";

    private static final Duration HEARTBEAT = Duration.ofSeconds(2);

    private final int net = ThreadLocalRandom.current().nextInt(1, 250);

    private final String namespace = "lhdead" + net;

    private final String hostEnd = "lhh" + net;

    private final String clientEnd = "lhc" + net;

    private final String hostAddress = "10.213." + net + ".1";

    private final List<Process> clients = new ArrayList<>();

    private Hub hub;

    private NettyStreamServer server;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeEach
    void network() throws Exception {
        run("ip", "netns", "add", namespace);
        run("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", clientEnd);
        run("ip", "link", "set", clientEnd, "netns", namespace);
        run("ip", "addr", "add", hostAddress + "/30", "dev", hostEnd);
        run("ip", "link", "set", hostEnd, "up");
        run("ip", "netns", "exec", namespace, "ip", "addr", "add", "10.213." + net + ".2/30", "dev", clientEnd);
        run("ip", "netns", "exec", namespace, "ip", "link", "set", clientEnd, "up");
        run("ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up");

        hub = new Hub(new MemoryEngine(StreamSettings.defaults()),
                new HubSettings(16, 1000, HEARTBEAT, Duration.ofMillis(5000), Duration.ofMinutes(30), 500), meters);
        SubscriberTokens tokens = SubscriberTokens.withSecret(SECRET, new SubscriberTokens.Settings("hub_token",
                "token", "sub", null, null, Duration.ofSeconds(30)));
        StreamAdmission admission = new StreamAdmission(hub, tokens, new SessionStreams(null, Duration.ofMinutes(1)),
                new ConnectRate(30, 2));
        // As the auto-configuration sets it: writes wait, and acknowledgements may lag, two heartbeats at most.
        server = new NettyStreamServer(admission, SessionUsers.NONE, new NettyStreamServer.Settings(
                HEARTBEAT.multipliedBy(2), Duration.ofSeconds(10), 1000, HEARTBEAT.multipliedBy(2)));
        server.start("0.0.0.0", 0);
    }

    @AfterEach
    void cleanUp() throws Exception {
        clients.forEach(Process::destroyForcibly);
        if (server != null) {
            server.close();
        }
        if (hub != null) {
            hub.close();
        }
        runQuietly("ip", "link", "del", hostEnd);
        runQuietly("ip", "netns", "del", namespace);
    }

    @Test
    void aPeerCutOffWithoutFinOrRstLosesItsSlotsWithinThreeHeartbeats() throws Exception {
        String token = TestTokens.hs256(SECRET, "laptop", Duration.ofHours(1));
        for (int i = 0; i < 16; i++) {
            clients.add(new ProcessBuilder("ip", "netns", "exec", namespace, "curl", "-sN", "-o", "/dev/null",
                    "http://" + hostAddress + ":" + server.port() + "/stream/app?token=" + token)
                .redirectErrorStream(true).start());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> hub.connectionCount("laptop") == 16);
        try (SseClient refused = SseClient.open("http://127.0.0.1:" + server.port() + "/stream/app?token=" + token,
                java.util.Map.of())) {
            assertThat(refused.status()).isEqualTo(429);
        }

        run("ip", "netns", "exec", namespace, "ip", "link", "set", clientEnd, "down");
        long cut = System.nanoTime();

        // Three heartbeats, plus what a busy machine adds to timers.
        await().atMost(HEARTBEAT.multipliedBy(3).plusSeconds(3)).pollInterval(Duration.ofMillis(100))
            .until(() -> hub.connectionCount("laptop") == 0);
        Duration freed = Duration.ofNanos(System.nanoTime() - cut);
        assertThat(freed).isGreaterThan(HEARTBEAT);
        // Each counted where operators look for it (the README's "slow and dead clients closed" panel).
        assertThat(meters.get("hub.streams.dead.peers").counter().count()).isEqualTo(16);
        try (SseClient stream = SseClient.open("http://127.0.0.1:" + server.port() + "/stream/app?token=" + token,
                java.util.Map.of())) {
            assertThat(stream.status()).isEqualTo(200);
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: "
                    + new String(process.getInputStream().readAllBytes()));
        }
    }

    private static void runQuietly(String... command) {
        try {
            new ProcessBuilder(command).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        }
        catch (IOException | InterruptedException ex) {
            // Best effort: the namespace and link are gone already, or will be with the machine.
        }
    }
}
