package dev.livehub.hub.starter;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.apache.catalina.connector.Connector;
import org.apache.coyote.AbstractProtocol;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The servlet port (Tomcat) closes a connection whose request head trickles in (a byte every 300 ms, each read well
 * within Tomcat's 5 s read timeout) once {@code hub.server-head-timeout} has passed since its first byte (issue 14.6),
 * leaves a stream open past it, and holds at most its share of the file limit.
 */
@SpringBootTest(classes = StarterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "hub.token.secret=" + ServerHeadTimeoutTests.SECRET, "hub.server-head-timeout=2s",
                "hub.server-body-timeout=2s", "hub.publish.token=" + ServerHeadTimeoutTests.PUBLISH_TOKEN,
                "hub.heartbeat=500ms", "server.tomcat.connection-timeout=5s" })
class ServerHeadTimeoutTests {

    static final String SECRET = "server-head-timeout-secret-of-32-bytes";

    static final String PUBLISH_TOKEN = "server-head-timeout-publish-token";

    @LocalServerPort
    int port;

    @Autowired
    WebServerApplicationContext context;

    @Test
    void aRequestHeadSentSlowlyIsClosedWithinTheLimitWhileAStreamStaysOpen() throws Exception {
        SseClient stream = SseClient.open("http://127.0.0.1:" + port + "/stream/app?token="
                + TestTokens.hs256(SECRET, "slowloris-neighbour", Duration.ofMinutes(5)), Map.of(), event -> { });
        stream.events().awaitFirst("ready", Duration.ofSeconds(10));
        try (Socket slow = new Socket("127.0.0.1", port)) {
            slow.setSoTimeout(100);
            OutputStream out = slow.getOutputStream();
            InputStream in = slow.getInputStream();
            byte[] head = ("GET /stream/app HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + "a".repeat(100))
                .getBytes(StandardCharsets.US_ASCII);
            long start = System.nanoTime();
            boolean closed = false;
            // Trickle for up to 12 s (Tomcat alone would keep the connection as long as bytes come).
            for (int i = 0; !closed && System.nanoTime() - start < Duration.ofSeconds(12).toNanos(); i++) {
                try {
                    out.write(head[i % head.length]);
                    out.flush();
                    closed = in.read() < 0;
                }
                catch (java.net.SocketTimeoutException ex) {
                    // nothing yet: still open
                }
                catch (SocketException ex) {
                    closed = true;
                }
                Thread.sleep(200);
            }
            long openFor = Duration.ofNanos(System.nanoTime() - start).toMillis();
            System.out.printf("a head trickled a byte every 300 ms was closed after %d ms (limit 2 s)%n", openFor);
            assertThat(closed).as("closed within 12 s").isTrue();
            assertThat(openFor).isBetween(2_000L, 4_500L);
        }
        // The stream, open for longer than the limit, goes on (heartbeats).
        int comments = stream.comments();
        Thread.sleep(1_200);
        assertThat(stream.ended()).isFalse();
        assertThat(stream.comments()).isGreaterThan(comments);
        stream.close();
    }

    /**
     * Review 14 N1: a body trickled a byte every 300 ms after a whole head (each read well within Tomcat's 5 s read
     * timeout) held its connection for as long as bytes came; now it is closed once {@code hub.server-body-timeout}
     * has passed since the head, whether the application reads it (an authorised publish) or not.
     */
    @Test
    void aRequestBodySentSlowlyIsClosedWithinTheLimit() throws Exception {
        long publish = trickleBody("POST /hub/publish HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                + PUBLISH_TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{");
        System.out.printf("a publish body trickled a byte every 300 ms was closed %d ms after its head (limit 2 s)%n",
                publish);
        assertThat(publish).isBetween(2_000L, 4_500L);
    }

    /**
     * Review 14 N1: a publish without the token is answered 401 from its head, its body never read (the client sends
     * none), and the connection closed at once rather than kept while Tomcat would swallow the body.
     */
    @Test
    void anUnauthorisedPublishIsAnsweredBeforeItsBodyAndClosed() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(3_000);
            OutputStream out = socket.getOutputStream();
            long start = System.nanoTime();
            out.write(("POST /hub/publish HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // Not a byte of the body is sent: the whole answer, then the end of the stream, come anyway.
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            long took = Duration.ofNanos(System.nanoTime() - start).toMillis();
            System.out.printf("an unauthorised publish (Content-Length 100000, no body sent) was answered and closed "
                    + "in %d ms%n", took);
            assertThat(answer).startsWith("HTTP/1.1 401").contains("bad_token");
            assertThat(took).isLessThan(2_000L);
        }
    }

    /** Sends {@code head}, then a byte every 300 ms for up to 12 s: the milliseconds until the server closed it. */
    private long trickleBody(String head) throws Exception {
        try (Socket slow = new Socket("127.0.0.1", port)) {
            slow.setSoTimeout(100);
            OutputStream out = slow.getOutputStream();
            InputStream in = slow.getInputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long start = System.nanoTime();
            boolean closed = false;
            while (!closed && System.nanoTime() - start < Duration.ofSeconds(12).toNanos()) {
                try {
                    out.write(' ');
                    out.flush();
                    // An answer or the end of the stream: the server gave up on the body; it must then close.
                    in.read();
                    closed = true;
                    slow.setSoTimeout(2_000);
                    in.readAllBytes();
                }
                catch (java.net.SocketTimeoutException ex) {
                    // nothing yet: still open
                }
                catch (SocketException ex) {
                    closed = true;
                }
                Thread.sleep(200);
            }
            assertThat(closed).as("closed within 12 s").isTrue();
            return Duration.ofNanos(System.nanoTime() - start).toMillis();
        }
    }

    @Test
    void tomcatHoldsTheFileLimitLessTheReserve() {
        Connector connector = ((TomcatWebServer) context.getWebServer()).getTomcat().getConnector();
        int cap = ((AbstractProtocol<?>) connector.getProtocolHandler()).getMaxConnections();
        long files = ((com.sun.management.UnixOperatingSystemMXBean) java.lang.management.ManagementFactory
            .getOperatingSystemMXBean()).getMaxFileDescriptorCount();
        // Not Tomcat's 8,192 whatever the limit: without a stream port, the server's port has it all but 2,000.
        assertThat(cap).isEqualTo((int) (files - 2_000));
    }
}
