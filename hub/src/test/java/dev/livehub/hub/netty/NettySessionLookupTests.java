package dev.livehub.hub.netty;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
 * Reading a session (Spring Session's store: a Redis round trip, seconds while Redis is slow or away) must not hold
 * the event loops that carry every other stream of the port, and a store that fails is a 503, not a silent close.
 */
class NettySessionLookupTests {

    private static final String SECRET = "netty-session-secret-of-at-least-32-bytes";

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final CountDownLatch release = new CountDownLatch(1);

    private final AtomicInteger slowLookups = new AtomicInteger();

    private Hub hub;

    private NettyStreamServer server;

    private String base;

    @BeforeEach
    void start() {
        hub = new Hub(new MemoryEngine(StreamSettings.defaults()),
                new HubSettings(100, 1000, Duration.ofSeconds(15), Duration.ofMillis(5000), Duration.ofMinutes(30), 500),
                new SimpleMeterRegistry());
        SubscriberTokens tokens = SubscriberTokens.withSecret(SECRET, new SubscriberTokens.Settings("hub_token",
                "token", "sub", null, null, Duration.ofSeconds(5)));
        StreamAdmission admission = new StreamAdmission(hub, tokens, new SessionStreams(null, Duration.ofMinutes(1)),
                new ConnectRate(1000, 100));
        SessionUsers sessions = request -> {
            String cookie = request.cookie("SESSION");
            if (cookie == null) {
                return null;
            }
            if (cookie.equals("broken")) {
                throw new org.springframework.dao.QueryTimeoutException("Redis command timed out");
            }
            slowLookups.incrementAndGet();
            try {
                // A session store that answers late: as long as the test holds it.
                release.await(30, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            return new SessionUsers.SessionUser("s1", "session-1");
        };
        server = new NettyStreamServer(admission, sessions,
                new NettyStreamServer.Settings(Duration.ofSeconds(5), Duration.ofSeconds(1), 100, Duration.ofSeconds(30)));
        server.start("127.0.0.1", 0);
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.close();
        hub.close();
    }

    @Test
    void aSlowSessionLookupDoesNotHoldOtherStreams() throws Exception {
        // More slow lookups than the port has event loops: before admission moved off them, every loop was held.
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors() + 2; i++) {
                Socket socket = new Socket("127.0.0.1", server.port());
                OutputStream out = socket.getOutputStream();
                out.write(("GET /stream/app HTTP/1.1\r\nHost: x\r\nCookie: SESSION=slow-" + i + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                slow.add(socket);
            }
            await().atMost(WAIT).until(() -> slowLookups.get() == slow.size());
            String token = TestTokens.hs256(SECRET, "u1", Duration.ofHours(1));
            for (int i = 0; i < 4; i++) {
                CompletableFuture<SseClient> opened = CompletableFuture.supplyAsync(() -> {
                    try {
                        return SseClient.open(base + "/stream/app?token=" + token, Map.of());
                    }
                    catch (Exception ex) {
                        throw new IllegalStateException(ex);
                    }
                });
                try (SseClient stream = opened.get(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    assertThat(stream.status()).isEqualTo(200);
                    stream.events().awaitFirst("ready", WAIT);
                }
            }
            release.countDown();
            await().atMost(WAIT).until(() -> hub.connectionCount("s1") == slow.size());
        }
        finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
        await().atMost(WAIT).until(() -> hub.connectionCount("s1") == 0);
    }

    @Test
    void aSessionStoreThatFailsIsA503ThatSaysSo() throws Exception {
        try (SseClient stream = SseClient.open(base + "/stream/app", Map.of("Cookie", "SESSION=broken"))) {
            assertThat(stream.status()).isEqualTo(503);
            assertThat(stream.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(stream.errorBody()).startsWith("{\"error\":\"store_unavailable\"");
        }
        assertThat(hub.connectionCount()).isZero();
    }
}
