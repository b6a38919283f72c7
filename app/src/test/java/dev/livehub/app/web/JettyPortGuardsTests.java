package dev.livehub.app.web;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.jetty.JettyWebServer;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

import dev.livehub.app.AppClient;
import dev.livehub.hub.testing.SseClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The app's one port (Jetty) keeps the guards the hub gives a servlet port: a request head or body trickled in (a byte
 * every 200 ms, each read well within Jetty's idle timeout) is closed once {@code hub.server-head-timeout} or
 * {@code hub.server-body-timeout} has passed (to within the sweep's second), a signed-in stream open for longer goes on,
 * and the port holds at most its share of the file limit.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = { "app.demo-users=true",
        "hub.server-head-timeout=2s", "hub.server-body-timeout=2s", "hub.heartbeat=500ms",
        "hub.publish.token=" + JettyPortGuardsTests.PUBLISH_TOKEN })
class JettyPortGuardsTests {

    static final String PUBLISH_TOKEN = "jetty-guards-publish-token";

    @LocalServerPort
    int port;

    @Autowired
    WebServerApplicationContext context;

    @Test
    void aRequestHeadSentSlowlyIsClosedWithinTheLimitWhileAStreamStaysOpen() throws Exception {
        SseClient stream = AppClient.signedIn("http://127.0.0.1:" + port, "alice").stream();
        stream.events().awaitFirst("ready", Duration.ofSeconds(10));
        long head = trickle("GET /tasks HTTP/1.1\r\nHost: localhost\r\nX-Slow: ", "a");
        System.out.printf("a head trickled a byte every 200 ms was closed after %d ms (limit 2 s)%n", head);
        assertThat(head).isBetween(2_000L, 5_000L);
        int comments = stream.comments();
        Thread.sleep(1_200);
        assertThat(stream.ended()).isFalse();
        assertThat(stream.comments()).isGreaterThan(comments);
        stream.close();
    }

    @Test
    void aRequestBodySentSlowlyIsClosedWithinTheLimit() throws Exception {
        long body = trickle("POST /hub/publish HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + PUBLISH_TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", " ");
        System.out.printf("a publish body trickled a byte every 200 ms was closed after %d ms (limit 2 s)%n", body);
        assertThat(body).isBetween(2_000L, 5_000L);
    }

    @Test
    void thePortHoldsTheFileLimitLessTheReserve() {
        NetworkConnectionLimit limit = ((JettyWebServer) context.getWebServer()).getServer()
            .getBean(NetworkConnectionLimit.class);
        long files = ((com.sun.management.UnixOperatingSystemMXBean) java.lang.management.ManagementFactory
            .getOperatingSystemMXBean()).getMaxFileDescriptorCount();
        assertThat(limit.getMaxNetworkConnectionCount()).isEqualTo((int) (files - 2_000));
    }

    /** Sends {@code start}, then {@code next} every 200 ms for up to 12 s: the milliseconds until the server closed. */
    private long trickle(String start, String next) throws Exception {
        try (Socket slow = new Socket("127.0.0.1", port)) {
            slow.setSoTimeout(100);
            OutputStream out = slow.getOutputStream();
            InputStream in = slow.getInputStream();
            out.write(start.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long began = System.nanoTime();
            boolean closed = false;
            while (!closed && System.nanoTime() - began < Duration.ofSeconds(12).toNanos()) {
                try {
                    out.write(next.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    closed = in.read() < 0;
                }
                catch (SocketTimeoutException ex) {
                    // nothing yet: still open
                }
                catch (SocketException ex) {
                    closed = true;
                }
                Thread.sleep(200);
            }
            assertThat(closed).as("closed within 12 s").isTrue();
            return Duration.ofNanos(System.nanoTime() - began).toMillis();
        }
    }
}
