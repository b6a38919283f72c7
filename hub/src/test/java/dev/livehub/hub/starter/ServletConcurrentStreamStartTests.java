package dev.livehub.hub.starter;

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
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;

import dev.livehub.hub.Hub;
import dev.livehub.hub.testing.StreamHandOff;
import dev.livehub.hub.testing.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hundreds of streams start at once on the servlet container's {@code /stream/app} (Tomcat) while events flow: the
 * request thread commits each stream's response before its writer may write, so a filter that writes headers when the
 * chain returns never writes the response while the writer does (see {@link StreamHandOff}). Every stream gets every
 * event, and nothing is logged.
 */
@SpringBootTest(classes = StarterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "hub.token.secret=" + ServletConcurrentStreamStartTests.SECRET,
                "hub.max-connections-per-user=1000", "hub.connect-rate.burst=1000", "hub.stream.max-entries=5000",
                "hub.outbox-size=5000" })
@Import(ServletConcurrentStreamStartTests.Probe.class)
@ExtendWith(OutputCaptureExtension.class)
class ServletConcurrentStreamStartTests {

    static final String SECRET = "servlet-hand-off-secret-of-32-bytes!!";

    private static final StreamHandOff HAND_OFF = new StreamHandOff();

    @LocalServerPort
    int port;

    @Autowired
    Hub hub;

    @TestConfiguration
    static class Probe {

        /** Last of the filters, next to the servlet. */
        @Bean
        FilterRegistrationBean<?> streamHandOffProbe() {
            FilterRegistrationBean<?> registration = new FilterRegistrationBean<>(HAND_OFF.probe());
            registration.setOrder(Ordered.LOWEST_PRECEDENCE);
            return registration;
        }
    }

    @Test
    void hundredsOfStreamsStartingAtOnceEachGetEveryEventAndNothingFails(CapturedOutput output) throws Exception {
        String token = TestTokens.hs256(SECRET, "fan", Duration.ofHours(1));
        int events = StreamHandOff.fanOut(hub, "fan", "http://127.0.0.1:" + port + "/stream/app?token=" + token,
                Map.of(), 300, Duration.ofSeconds(60));

        assertThat(events).isPositive();
        assertThat(HAND_OFF.streams()).isGreaterThanOrEqualTo(300);
        assertThat(HAND_OFF.uncommitted()).as("streams handed to their writer with the response uncommitted").isEmpty();
        assertThat(output.getAll()).doesNotContain("Exception").doesNotContain(" ERROR ");
    }
}
