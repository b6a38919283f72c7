package dev.livehub.hub.jetty;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
import dev.livehub.hub.testing.TestTokens;
import dev.livehub.hub.testing.TokenStreamContract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /stream/app} on a Jetty server's port ({@link JettyStreamHandler}) over real HTTP, with subscriber tokens: the
 * endpoint contract, and what the handler does on its own (everything else goes on to the next handler; a client that
 * closes or reads nothing gives its slot back). The heartbeat is 15 s, so a slot given back sooner was given back
 * when the client closed, not at a failed heartbeat.
 */
class JettyTokenStreamTests extends TokenStreamContract {

    private static final String SECRET = "jetty-stream-secret-of-at-least-32-bytes";

    private static final Duration SKEW = Duration.ofSeconds(5);

    private Hub hub;

    private StreamAdmission admission;

    private JettyStreamLoops loops;

    private Server server;

    private String base;

    @BeforeEach
    void start() throws Exception {
        hub = new Hub(new MemoryEngine(StreamSettings.defaults()),
                new HubSettings(3, 1000, Duration.ofSeconds(15), Duration.ofMillis(5000), Duration.ofMinutes(30), 500),
                new SimpleMeterRegistry());
        SubscriberTokens tokens = SubscriberTokens.withSecret(SECRET, new SubscriberTokens.Settings("hub_token",
                "token", "sub", null, null, SKEW));
        admission = new StreamAdmission(hub, tokens, new SessionStreams(null, Duration.ofMinutes(1)),
                new ConnectRate(30, 2));
        loops = new JettyStreamLoops(2);
        // A write timeout longer than the contract's wait: a slot given back within it was not given back by a write
        // that timed out.
        serve(admission, Duration.ofSeconds(20));
    }

    private void serve(StreamAdmission admission, Duration writeTimeout) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new JettyStreamHandler(new NotFound(), "/stream/app", () -> admission,
                () -> SessionUsers.NONE, loops, writeTimeout, Duration.ofSeconds(45)));
        server.start();
        base = "http://127.0.0.1:" + connector.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
        loops.close();
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
    void everyOtherRequestGoesOnToTheNextHandler() throws Exception {
        for (String path : List.of("/stream/app/poll", "/stream/apps", "/stream/app/", "/tasks")) {
            try (SseClient other = SseClient.open(base + path, Map.of())) {
                assertThat(other.status()).as(path).isEqualTo(404);
                assertThat(other.errorBody()).as(path).isEqualTo("next handler");
            }
        }
    }

    /** The path is compared decoded: an escaped letter does not take the stream to the next handler. */
    @Test
    void theStreamsPathWithAnEscapedLetterIsTheStream() throws Exception {
        String token = TestTokens.hs256(SECRET, "escaped", Duration.ofHours(1));
        try (SseClient stream = SseClient.open(base + "/stream/%61pp?token=" + token, Map.of())) {
            assertThat(stream.status()).isEqualTo(200);
            stream.events().awaitFirst("ready", WAIT);
        }
    }

    @Test
    void aClientThatReadsNothingIsDroppedAfterTheWriteTimeout() throws Exception {
        server.stop();
        serve(admission, Duration.ofSeconds(1));
        String token = TestTokens.hs256(SECRET, "slow", Duration.ofHours(1));
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", Integer.parseInt(base.substring(
                    base.lastIndexOf(':') + 1))));
            OutputStream out = socket.getOutputStream();
            out.write(("GET /stream/app?token=" + token + " HTTP/1.1\r\nHost: x\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = new byte[256];
            assertThat(in.read(head)).isPositive();
            await().atMost(WAIT).until(() -> hub.connectionCount("slow") == 1);
            String data = "{\"model\":\"Task\",\"id\":1,\"fields\":{\"title\":\"" + "x".repeat(4000) + "\"}}";
            long started = System.nanoTime();
            for (int i = 0; i < 20_000 && hub.connectionCount("slow") == 1; i++) {
                hub.publish(List.of("slow"), Publication.of("crud.update", data));
            }
            await().atMost(WAIT).until(() -> hub.connectionCount("slow") == 0);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
        }
    }

    /** Answers every request the stream handler passes on with 404 and a body that says who answered. */
    private static final class NotFound extends Handler.Abstract {

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            response.setStatus(404);
            response.write(true, ByteBuffer.wrap("next handler".getBytes(StandardCharsets.UTF_8)), callback);
            return true;
        }
    }
}
