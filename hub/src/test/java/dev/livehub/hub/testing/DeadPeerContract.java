package dev.livehub.hub.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.livehub.hub.Hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client that vanishes without FIN or RST (its network interface gone: a laptop lid closed, a mobile network lost)
 * loses its streams' slots within three heartbeats, on each transport that runs this. The client runs in a network
 * namespace this test creates (Linux, root: {@code ip netns}), joined to the host by a veth pair; taking the
 * namespace's end down drops every packet with no FIN and no RST. Heartbeats keep "succeeding" into the socket's
 * buffer; {@code TCP_USER_TIMEOUT} is what ends it.
 *
 * <p>A transport's test starts its server bound to every address ({@code 0.0.0.0}) with {@link #HEARTBEAT}, at most 16
 * streams per user, tokens signed with {@link #SECRET}, and a connect rate that lets 17 streams open at once.
 */
public abstract class DeadPeerContract {

    public static final String SECRET = "dead-peer-secret-of-at-least-32-bytes!";

    public static final Duration HEARTBEAT = Duration.ofSeconds(2);

    private final int net = ThreadLocalRandom.current().nextInt(1, 250);

    private final String namespace = "lhdead" + net;

    private final String hostEnd = "lhh" + net;

    private final String clientEnd = "lhc" + net;

    private final String hostAddress = "10.213." + net + ".1";

    private final List<Process> clients = new ArrayList<>();

    /** The hub behind the transport. */
    protected abstract Hub hub();

    /** The transport's port, bound to every address. */
    protected abstract int port();

    /** {@code hub.streams.dead.peers} so far. */
    protected abstract double deadPeers();

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
    }

    @AfterEach
    void cleanUpNetwork() {
        clients.forEach(Process::destroyForcibly);
        runQuietly("ip", "link", "del", hostEnd);
        runQuietly("ip", "netns", "del", namespace);
    }

    @Test
    void aPeerCutOffWithoutFinOrRstLosesItsSlotsWithinThreeHeartbeats() throws Exception {
        String user = "laptop-" + net;
        String token = TestTokens.hs256(SECRET, user, Duration.ofHours(1));
        double deadBefore = deadPeers();
        for (int i = 0; i < 16; i++) {
            clients.add(new ProcessBuilder("ip", "netns", "exec", namespace, "curl", "-sN", "-o", "/dev/null",
                    "http://" + hostAddress + ":" + port() + "/stream/app?token=" + token)
                .redirectErrorStream(true).start());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> hub().connectionCount(user) == 16);
        try (SseClient refused = SseClient.open("http://127.0.0.1:" + port() + "/stream/app?token=" + token,
                Map.of())) {
            assertThat(refused.status()).isEqualTo(429);
        }

        run("ip", "netns", "exec", namespace, "ip", "link", "set", clientEnd, "down");
        long cut = System.nanoTime();

        // Three heartbeats, plus what a busy machine adds to timers.
        await().atMost(HEARTBEAT.multipliedBy(3).plusSeconds(3)).pollInterval(Duration.ofMillis(100))
            .until(() -> hub().connectionCount(user) == 0);
        Duration freed = Duration.ofNanos(System.nanoTime() - cut);
        System.out.printf("%s: 16 streams cut off without FIN or RST freed %d ms after the cut (heartbeat %d ms)%n",
                getClass().getSimpleName(), freed.toMillis(), HEARTBEAT.toMillis());
        // Not before the kernel's timeout (three quarters of a heartbeat, as every transport sets it): no FIN freed them.
        assertThat(freed).isGreaterThan(HEARTBEAT.multipliedBy(3).dividedBy(4));
        // Each counted where operators look for it (the README's "slow and dead clients closed" panel).
        assertThat(deadPeers() - deadBefore).isEqualTo(16);
        try (SseClient stream = SseClient.open("http://127.0.0.1:" + port() + "/stream/app?token=" + token,
                Map.of())) {
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
