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
                "hub.heartbeat=500ms", "server.tomcat.connection-timeout=5s" })
class ServerHeadTimeoutTests {

    static final String SECRET = "server-head-timeout-secret-of-32-bytes";

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
