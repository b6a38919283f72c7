package dev.livehub.hub.web;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import dev.livehub.hub.netty.NettyStreamServer;
import dev.livehub.hub.publishing.HttpPublishing;
import dev.livehub.hub.starter.StarterApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same contract as {@link PublishEndpointIntegrationTests}, every test of it, with the publisher sent to the Netty
 * stream port ({@code hub.stream-port}); and that port's own connection handling: several publishes on one kept-alive
 * connection, answered in order; a body over its bound read before its 413 (declared or chunked), so the client still
 * sending it reads the answer, and the connection kept; a body over it by more than the drain, or one whose client
 * waits for {@code 100 Continue}, answered 413 from its head with {@code Connection: close}.
 */
@SpringBootTest(classes = StarterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "hub.token.secret=" + PublishEndpointIntegrationTests.SECRET, "hub.publish.token=publish-secret",
                "hub.redis.prefix=pubhttp", "hub.redis.timeout=2s", "hub.stream-port=0" })
class StreamPortPublishIntegrationTests extends PublishEndpointIntegrationTests {

    @Autowired
    NettyStreamServer streamPort;

    @Override
    protected int publishPort() {
        return streamPort.port();
    }

    @Test
    void publishesPipelinedOnOneConnectionAreAnsweredInOrderAndTheConnectionStays() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", streamPort.port())) {
            OutputStream out = socket.getOutputStream();
            StringBuilder requests = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                String body = "{\"users\":[\"kept\"],\"event\":\"crud.update\",\"data\":{},\"publish_id\":\"kept-" + i
                        + "\"}";
                requests.append("POST /hub/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer publish-secret\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
            }
            // All three sent at once (pipelined): each answered, in the order sent.
            out.write(requests.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 3; i++) {
                String answer = readResponse(in);
                assertThat(answer).startsWith("HTTP/1.1 202").contains("\"publish_id\":\"kept-" + i + "\"");
            }
            // A body over the bound, read and dropped: its 413, and the connection takes the next publish.
            out.write(head("Content-Length: " + (HttpPublishing.MAX_BODY_BYTES + 1)));
            out.write(spaces(HttpPublishing.MAX_BODY_BYTES + 1));
            String body = "{\"users\":[\"kept\"],\"event\":\"crud.update\",\"data\":{},\"publish_id\":\"kept-3\"}";
            out.write(head("Content-Length: " + body.length()));
            out.write(body.getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertTooLarge(readResponse(in));
            assertThat(readResponse(in)).startsWith("HTTP/1.1 202").contains("\"publish_id\":\"kept-3\"");
        }
    }

    /**
     * A publish body over its bound (1 MiB) by up to 8 MiB is read and dropped before the 413, declared or chunked, as
     * on the servlet path: the client still sending it reads the whole answer. Unread, the server's close would reset
     * the connection under the client's writes, and the answer with it.
     */
    @Test
    void aPublishBodyOverItsBoundIsReadBeforeThe413() throws Exception {
        int length = 9_000_000;
        byte[] chunk = spaces(64 * 1024);
        try (Socket socket = new Socket("127.0.0.1", streamPort.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head("Content-Length: " + length));
            for (int sent = 0; sent < length; sent += chunk.length) {
                out.write(chunk, 0, Math.min(chunk.length, length - sent));
            }
            out.flush();
            String answer = readResponse(socket.getInputStream());
            assertTooLarge(answer);
            assertThat(answer.toLowerCase(Locale.ROOT)).doesNotContain("connection: close");
        }
        try (Socket socket = new Socket("127.0.0.1", streamPort.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(head("Transfer-Encoding: chunked"));
            // 4 MiB in chunks of 64 KiB: over the bound by 3 MiB.
            for (int i = 0; i < 64; i++) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = readResponse(socket.getInputStream());
            assertTooLarge(answer);
            assertThat(answer.toLowerCase(Locale.ROOT)).doesNotContain("connection: close");
        }
    }

    /**
     * A body declared over its bound by a client waiting for {@code 100 Continue} gets the 413 at once, not a
     * go-ahead; one declared over it by more than the drain's 8 MiB gets it from its head too. Both say
     * {@code Connection: close}, and the connection closes.
     */
    @Test
    void aPublishOverItsBoundThatWaitsForContinueOrIsPastTheDrainIsRefusedAtOnce() throws Exception {
        for (String declared : List.of("Content-Length: 2000000\r\nExpect: 100-continue",
                "Content-Length: " + (HttpPublishing.MAX_BODY_BYTES + (8 << 20) + 1))) {
            try (Socket socket = new Socket("127.0.0.1", streamPort.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(head(declared));
                socket.getOutputStream().flush();
                InputStream in = socket.getInputStream();
                String answer = readResponse(in);
                assertTooLarge(answer);
                assertThat(answer.toLowerCase(Locale.ROOT)).as(declared).contains("connection: close");
                assertThat(in.read()).as(declared).isNegative();
            }
        }
    }

    /** A publish's head, with {@code length} (a Content-Length or Transfer-Encoding line) and the blank line. */
    private static byte[] head(String length) {
        return ("POST /hub/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer publish-secret\r\n"
                + "Content-Type: application/json\r\n" + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] spaces(int length) {
        byte[] spaces = new byte[length];
        Arrays.fill(spaces, (byte) ' ');
        return spaces;
    }

    /** The servlet path's 413: its JSON, with the headers every answer of the publish endpoint has. */
    private static void assertTooLarge(String answer) {
        assertThat(answer).startsWith("HTTP/1.1 413").contains("{\"error\":\"too_large\",\"message\":\"");
        assertThat(answer.toLowerCase(Locale.ROOT)).contains("content-type: application/json")
            .contains("cache-control: no-store").contains("x-content-type-options: nosniff");
    }

    /** One response of a kept-alive connection: its head and its body of Content-Length bytes. */
    private static String readResponse(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            assertThat(c).as("the connection closed mid-response").isNotNegative();
            head.append((char) c);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
