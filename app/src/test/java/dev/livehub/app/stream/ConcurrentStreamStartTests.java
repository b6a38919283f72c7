package dev.livehub.app.stream;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.livehub.app.AppClient;
import dev.livehub.hub.Hub;
import dev.livehub.hub.testing.StreamHandOff;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hundreds of streams start at once on the app's port while events flow: each is served ahead of the servlet container
 * (Jetty's core API, {@code JettyStreamHandler}), every stream gets every event, and nothing is logged. The servlet
 * path's hand-off under the same load is the hub's {@code ServletConcurrentStreamStartTests}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "app.demo-users=true", "hub.max-connections-per-user=1000", "hub.connect-rate.burst=1000",
        "hub.stream.max-entries=5000", "hub.outbox-size=5000" })
@ExtendWith(OutputCaptureExtension.class)
class ConcurrentStreamStartTests {

    @LocalServerPort
    int port;

    @Autowired
    Hub hub;

    @Test
    void hundredsOfStreamsStartingAtOnceEachGetEveryEventAndNothingFails(CapturedOutput output) throws Exception {
        String base = "http://127.0.0.1:" + port;
        AppClient alice = AppClient.signedIn(base, "alice");
        String aliceId = alice.get("/api/me").body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");

        int events = StreamHandOff.fanOut(hub, aliceId, base + "/stream/app", Map.of("Cookie", alice.cookieHeader()),
                300, Duration.ofSeconds(60));

        assertThat(events).isPositive();
        assertThat(output.getAll()).doesNotContain("Exception").doesNotContain(" ERROR ");
    }
}
