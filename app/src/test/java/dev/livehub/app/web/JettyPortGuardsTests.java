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

    /**
     * A connection kept alive is not a slow request: each request's body is timed from its own head. The requests are
     * pipelined (the next head goes out with the last part of the body before it), so the connection is never seen
     * between requests: only the request count tells one body from the next.
     */
    @Test
    void eachRequestOfAKeepAliveConnectionIsTimedOnItsOwn() throws Exception {
        String body = "{\"users\":[\"alice\"],\"event\":\"notif\",\"data\":{\"unread\":1}}";
        String head = "POST /hub/publish HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + PUBLISH_TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n";
        int requests = 4;
        int parts = 5;
        try (Socket client = new Socket("127.0.0.1", port)) {
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            InputStream in = client.getInputStream();
            long began = System.nanoTime();
            // Four bodies of 1.2 s each, back to back: 4.8 s of body on one connection, more than twice the limit.
            StringBuilder write = new StringBuilder(head);
            for (int request = 0; request < requests; request++) {
                for (int part = 0; part < parts; part++) {
                    write.append(body, body.length() * part / parts, body.length() * (part + 1) / parts);
                    if (part == parts - 1 && request < requests - 1) {
                        write.append(head);
                        continue;
                    }
                    out.write(write.toString().getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    write.setLength(0);
                    Thread.sleep(300); // the pace of a slow client: the behaviour under test, not a wait
                }
            }
            for (int request = 0; request < requests; request++) {
                assertThat(readHead(in)).as("request " + request).startsWith("HTTP/1.1 202");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - began)).isGreaterThan(Duration.ofSeconds(4));
        }
    }

    /**
     * A publish body over its bound (1 MiB) by up to 8 MiB is read and dropped before the 413, so a client still
     * sending it reads the answer: unread, the server's close resets the connection under the client's writes.
     */
    @Test
    void aPublishBodyOverItsBoundIsReadBeforeTheAnswer() throws Exception {
        int length = 9_000_000;
        try (Socket client = new Socket("127.0.0.1", port)) {
            client.setSoTimeout(10_000);
            OutputStream out = client.getOutputStream();
            out.write(("POST /hub/publish HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + PUBLISH_TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) ' ');
            for (int sent = 0; sent < length; sent += chunk.length) {
                out.write(chunk, 0, Math.min(chunk.length, length - sent));
            }
            out.flush();
            assertThat(readHead(client.getInputStream())).startsWith("HTTP/1.1 413");
        }
    }

    /** A client waiting for {@code 100 Continue} with a body over the bound gets the 413 at once, not a go-ahead. */
    @Test
    void aPublishOverItsBoundThatWaitsForContinueIsRefusedAtOnce() throws Exception {
        try (Socket client = new Socket("127.0.0.1", port)) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("POST /hub/publish HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + PUBLISH_TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n"
                    + "Expect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String head = readHead(client.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 413");
            assertThat(head.toLowerCase(java.util.Locale.ROOT)).contains("connection: close");
        }
    }

    /** Reads a response, its head and its body (of {@code Content-Length} bytes, or chunked): the head returned. */
    private static String readHead(InputStream in) throws Exception {
        String head = readLines(in, "\r\n\r\n");
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?im)^content-length: *(\\d+)")
            .matcher(head);
        if (length.find()) {
            in.readNBytes(Integer.parseInt(length.group(1)));
        }
        else {
            assertThat(head.toLowerCase(java.util.Locale.ROOT)).contains("transfer-encoding: chunked");
            readLines(in, "\r\n0\r\n\r\n");
        }
        return head;
    }

    /** Reads up to and with {@code end}. */
    private static String readLines(InputStream in, String end) throws Exception {
        StringBuilder read = new StringBuilder();
        while (read.length() < end.length() || !read.substring(read.length() - end.length()).equals(end)) {
            int next = in.read();
            assertThat(next).as("a whole response after " + read).isNotNegative();
            read.append((char) next);
        }
        return read.toString();
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
