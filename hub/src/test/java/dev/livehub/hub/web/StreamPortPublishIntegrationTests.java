package dev.livehub.hub.web;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

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
 * connection, answered in order, a body over the bound refused with a 413.
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
            String tooLarge = "POST /hub/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer publish-secret\r\n"
                    + "Content-Length: " + (HttpPublishing.MAX_BODY_BYTES + 1) + "\r\n\r\n";
            out.write(tooLarge.getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 413").contains("\"error\":\"too_large\"");
        }
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
