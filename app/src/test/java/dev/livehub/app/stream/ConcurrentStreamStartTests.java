package dev.livehub.app.stream;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;

import dev.livehub.app.AppClient;
import dev.livehub.hub.Hub;
import dev.livehub.hub.testing.StreamHandOff;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hundreds of streams start at once inside the app's Spring Security filter chain while events flow: the request
 * thread commits each stream's response before its writer may write, so Spring Security's header writer never writes
 * the response while the writer does (see {@link StreamHandOff}). Every stream gets every event, with Spring
 * Security's headers, and nothing is logged.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "app.demo-users=true", "hub.max-connections-per-user=1000", "hub.connect-rate.burst=1000",
        "hub.stream.max-entries=5000", "hub.outbox-size=5000" })
@ExtendWith(OutputCaptureExtension.class)
class ConcurrentStreamStartTests {

    private static final StreamHandOff HAND_OFF = new StreamHandOff();

    @LocalServerPort
    int port;

    @Autowired
    Hub hub;

    @TestConfiguration
    static class Probe {

        /** Inside Spring Security's chain, next to the servlet. */
        @Bean
        FilterRegistrationBean<?> streamHandOffProbe() {
            FilterRegistrationBean<?> registration = new FilterRegistrationBean<>(HAND_OFF.probe());
            registration.setOrder(Ordered.LOWEST_PRECEDENCE);
            return registration;
        }
    }

    @Test
    void hundredsOfStreamsStartingAtOnceEachGetEveryEventAndNothingFails(CapturedOutput output) throws Exception {
        String base = "http://127.0.0.1:" + port;
        AppClient alice = AppClient.signedIn(base, "alice");
        String aliceId = alice.get("/api/me").body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");

        int events = StreamHandOff.fanOut(hub, aliceId, base + "/stream/app", Map.of("Cookie", alice.cookieHeader()),
                300, Duration.ofSeconds(60));

        assertThat(events).isPositive();
        assertThat(HAND_OFF.streams()).isGreaterThanOrEqualTo(300);
        assertThat(HAND_OFF.uncommitted()).as("streams handed to their writer with the response uncommitted").isEmpty();
        assertThat(output.getAll()).doesNotContain("Exception").doesNotContain(" ERROR ");
    }
}
