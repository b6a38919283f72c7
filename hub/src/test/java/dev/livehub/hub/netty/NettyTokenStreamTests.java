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
import dev.livehub.hub.testing.TokenStreamContract;
import dev.livehub.hub.publishing.HttpPublishing;

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
        return start(settings, null);
    }

    private NettyStreamServer start(NettyStreamServer.Settings settings, HttpPublishing publishing) {
        SubscriberTokens tokens = SubscriberTokens.withSecret(SECRET, new SubscriberTokens.Settings("hub_token",
                "token", "sub", null, null, SKEW));
        StreamAdmission admission = new StreamAdmission(hub, tokens, new SessionStreams(null, Duration.ofMinutes(1)),
                new ConnectRate(30, 2));
        NettyStreamServer started = new NettyStreamServer(admission, SessionUsers.NONE, settings)
            .publishing(publishing);
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

    /**
     * Review 14 N1: a publish body trickled a byte every 300 ms after its head, with a Content-Length or chunked,
     * held its connection for as long as bytes came; now it is closed once the body timeout has passed since the head.
     * A body over its bound, being read and dropped before its 413, is closed at the same time.
     */
    @Test
    void aPublishBodySentSlowlyIsClosedAtTheBodyTimeout() throws Exception {
        publishingWithBodyTimeout(Duration.ofSeconds(2));
        String head = "POST /hub/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer publish-secret\r\n"
                + "Content-Type: application/json\r\n";
        long sized = trickleBody(head + "Content-Length: 100000\r\n\r\n{", " ");
        long chunked = trickleBody(head + "Transfer-Encoding: chunked\r\n\r\n", "1\r\n \r\n");
        // Over the bound by a byte at once, then trickled: drained, never answered before the body is whole.
        int over = HttpPublishing.MAX_BODY_BYTES + 1;
        long sizedOver = trickleBody(head + "Content-Length: " + (over + 100_000) + "\r\n\r\n" + " ".repeat(over),
                " ");
        long chunkedOver = trickleBody(head + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(over)
                + "\r\n" + " ".repeat(over) + "\r\n", "1\r\n \r\n");
        System.out.printf("a publish body trickled a byte every 300 ms on the stream port was closed %d ms "
                + "(Content-Length) and %d ms (chunked) after its head, %d and %d ms over its bound (limit 2 s)%n",
                sized, chunked, sizedOver, chunkedOver);
        assertThat(sized).isBetween(1_900L, 3_500L);
        assertThat(chunked).isBetween(1_900L, 3_500L);
        assertThat(sizedOver).isBetween(1_900L, 3_500L);
        assertThat(chunkedOver).isBetween(1_900L, 3_500L);
        await().atMost(WAIT).until(() -> server.openConnections() == 0);
    }

    /**
     * Review 14 N1: a publish without the token is answered 401 from its head, before any of its body is sent, and its
     * connection closed.
     */
    @Test
    void anUnauthorisedPublishIsAnsweredBeforeItsBodyAndClosed() throws Exception {
        publishingWithBodyTimeout(Duration.ofSeconds(30));
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(3_000);
            long start = System.nanoTime();
            socket.getOutputStream().write(("POST /hub/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            long took = Duration.ofNanos(System.nanoTime() - start).toMillis();
            System.out.printf("an unauthorised publish on the stream port (Content-Length 100000, no body sent) was "
                    + "answered and closed in %d ms%n", took);
            assertThat(answer).startsWith("HTTP/1.1 401").contains("bad_token");
            assertThat(took).isLessThan(2_000L);
        }
    }

    private void publishingWithBodyTimeout(Duration bodyTimeout) {
        server.close();
        server = start(new NettyStreamServer.Settings(Duration.ofSeconds(5), Duration.ofSeconds(1), 40,
                Duration.ofSeconds(30), bodyTimeout), new HttpPublishing(hub, "publish-secret", 100, 100));
    }

    /**
     * The body timeout counts from each request's own head: a connection whose first body took most of the timeout
     * (its check due before the second request's deadline) is not closed early when a second request follows.
     */
    @Test
    void eachPublishOnAConnectionHasTheBodyTimeoutFromItsOwnHead() throws Exception {
        publishingWithBodyTimeout(Duration.ofSeconds(2));
        String head = "POST /hub/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer publish-secret\r\n"
                + "Content-Type: application/json\r\n";
        String body = "{\"users\":[\"u9\"],\"event\":\"notif\",\"data\":{}}";
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "Content-Length: " + body.length() + "\r\n\r\n" + body.substring(0, 1))
                .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(1_500);
            out.write(body.substring(1).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            StringBuilder answer = new StringBuilder();
            InputStream in = socket.getInputStream();
            while (!answer.toString().endsWith("}}")) {
                answer.append((char) in.read());
            }
            assertThat(answer.toString()).startsWith("HTTP/1.1 202");

            long closedAfter = trickleBody(socket, head + "Content-Length: 100000\r\n\r\n{", " ");

            System.out.printf("a second publish trickled on a connection whose first body took 1.5 s was closed %d ms "
                    + "after its own head (limit 2 s)%n", closedAfter);
            assertThat(closedAfter).isBetween(1_900L, 3_500L);
        }
    }

    /** Sends {@code head}, then {@code piece} every 300 ms for up to 12 s: the milliseconds until the server closed. */
    private long trickleBody(String head, String piece) throws Exception {
        try (Socket slow = new Socket("127.0.0.1", server.port())) {
            return trickleBody(slow, head, piece);
        }
    }

    private long trickleBody(Socket slow, String head, String piece) throws Exception {
        slow.setSoTimeout(100);
        OutputStream out = slow.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        long start = System.nanoTime();
        boolean closed = false;
        while (!closed && System.nanoTime() - start < Duration.ofSeconds(12).toNanos()) {
            try {
                out.write(piece.getBytes(StandardCharsets.US_ASCII));
                out.flush();
                closed = slow.getInputStream().read() < 0;
            }
            catch (java.net.SocketTimeoutException ex) {
                // nothing yet: still open
            }
            catch (java.io.IOException ex) {
                closed = true;
            }
            Thread.sleep(200);
        }
        assertThat(closed).as("closed within 12 s").isTrue();
        return Duration.ofNanos(System.nanoTime() - start).toMillis();
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
