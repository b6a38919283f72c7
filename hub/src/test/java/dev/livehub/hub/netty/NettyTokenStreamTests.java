package dev.livehub.hub.netty;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.Publication;
import dev.livehub.hub.admission.ConnectRate;
import dev.livehub.hub.admission.SessionStreams;
import dev.livehub.hub.admission.SessionUsers;
import dev.livehub.hub.admission.StreamAdmission;
import dev.livehub.hub.admission.SubscriberTokens;
import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.SseEvent;
import dev.livehub.hub.testing.TestTokens;
import dev.livehub.hub.testing.TokenStreamContract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Netty stream port over real HTTP, with subscriber tokens: the endpoint contract, and the port's own guards. */
class NettyTokenStreamTests extends TokenStreamContract {

    private static final String SECRET = "netty-stream-secret-of-at-least-32-bytes";

    private static final Duration SKEW = Duration.ofSeconds(5);

    private Hub hub;

    private NettyStreamServer server;

    private String base;

    @BeforeEach
    void start() {
        hub = new Hub(new MemoryEngine(StreamSettings.defaults()),
                new HubSettings(3, 1000, Duration.ofSeconds(15), Duration.ofMillis(5000), Duration.ofMinutes(30), 500),
                new SimpleMeterRegistry());
        server = start(new NettyStreamServer.Settings(Duration.ofSeconds(5), Duration.ofSeconds(1), 40,
                Duration.ofSeconds(30)));
    }

    private NettyStreamServer start(NettyStreamServer.Settings settings) {
        SubscriberTokens tokens = SubscriberTokens.withSecret(SECRET, new SubscriberTokens.Settings("hub_token",
                "token", "sub", null, null, SKEW));
        StreamAdmission admission = new StreamAdmission(hub, tokens, new SessionStreams(null, Duration.ofMinutes(1)),
                new ConnectRate(30, 2));
        NettyStreamServer started = new NettyStreamServer(admission, SessionUsers.NONE, settings);
        started.start("127.0.0.1", 0);
        base = "http://127.0.0.1:" + started.port();
        return started;
    }

    @AfterEach
    void stop() {
        server.close();
        hub.close();
    }

    @Override
    protected Hub hub() {
        return hub;
    }

    @Override
    protected String streamUrl() {
        return base + "/stream/app";
    }

    @Override
    protected String secret() {
        return SECRET;
    }

    @Override
    protected Duration clockSkew() {
        return SKEW;
    }

    @Test
    void theTokenMayComeInItsCookie() throws Exception {
        String token = TestTokens.hs256(SECRET, "u2", Duration.ofHours(1));
        try (SseClient stream = SseClient.open(base + "/stream/app", Map.of("Cookie", "a=b; hub_token=" + token))) {
            assertThat(stream.status()).isEqualTo(200);
            stream.events().awaitFirst("ready", WAIT);
            assertThat(hub.connectionCount("u2")).isEqualTo(1);
        }
    }

    @Test
    void onlyTheStreamIsServedHere() throws Exception {
        try (SseClient poll = SseClient.open(base + "/stream/app/poll", Map.of())) {
            assertThat(poll.status()).isEqualTo(404);
            assertThat(poll.errorBody()).startsWith("{\"error\":\"not_found\"");
        }
    }

    @Test
    void aCompactingClientFarBehindGetsTheLatestStateOfEachRecord() throws Exception {
        EventId cursor = hub.publish(List.of("u3"), Publication.of("notif", "{}")).get("u3");
        for (int n = 1; n <= 60; n++) {
            hub.publish(List.of("u3"), Publication.of("crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"v\":"
                    + n + "}}"));
        }
        try (SseClient stream = open(signIn("u3"), "compact=1", Map.of("Last-Event-ID", cursor.toString()))) {
            stream.events().awaitFirst("compacted", WAIT);
            assertThat(stream.events().published()).extracting(SseEvent::data).first()
                .isEqualTo("{\"model\":\"Task\",\"id\":1,\"fields\":{\"v\":60}}");
        }
    }

    /** A connection that sends its head a byte at a time, or nothing, is closed at the head timeout. */
    @Test
    void aRequestHeadSentSlowlyIsClosedAtTheHeadTimeout() throws Exception {
        try (Socket silent = new Socket("127.0.0.1", server.port());
                Socket trickle = new Socket("127.0.0.1", server.port())) {
            silent.setSoTimeout(10_000);
            OutputStream out = trickle.getOutputStream();
            long start = System.nanoTime();
            byte[] head = "GET /stream/app HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII);
            int sent = 0;
            try {
                // One byte every 100 ms: never idle for long, never done.
                for (; sent < head.length; sent++) {
                    out.write(head[sent]);
                    out.flush();
                    Thread.sleep(100);
                }
            }
            catch (java.io.IOException closed) {
                // The server closed it: what this test waits for.
            }
            assertThat(readsToEnd(silent.getInputStream())).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            await().atMost(WAIT).until(() -> server.openConnections() == 0);
        }
    }

    /** Past the listener's cap, new connections are closed as they come; the ones held keep working. */
    @Test
    void pastItsConnectionCapTheListenerClosesNewConnections() throws Exception {
        server.close();
        server = start(new NettyStreamServer.Settings(Duration.ofSeconds(5), Duration.ofSeconds(30), 2,
                Duration.ofSeconds(30)));
        List<Socket> held = new ArrayList<>();
        try {
            held.add(new Socket("127.0.0.1", server.port()));
            held.add(new Socket("127.0.0.1", server.port()));
            await().atMost(WAIT).until(() -> server.openConnections() == 2);
            try (Socket third = new Socket("127.0.0.1", server.port())) {
                third.setSoTimeout(10_000);
                assertThat(readsToEnd(third.getInputStream())).isTrue();
            }
            assertThat(server.openConnections()).isEqualTo(2);
        }
        finally {
            for (Socket socket : held) {
                socket.close();
            }
        }
        await().atMost(WAIT).until(() -> server.openConnections() == 0);
        try (SseClient stream = open(signIn("u4"), "", Map.of())) {
            assertThat(stream.status()).isEqualTo(200);
        }
    }

    private static boolean readsToEnd(InputStream in) throws Exception {
        while (true) {
            try {
                if (in.read() < 0) {
                    return true;
                }
            }
            catch (java.net.SocketException reset) {
                return true;
            }
        }
    }
}
