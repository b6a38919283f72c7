package dev.livehub.hub.starter;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import dev.livehub.hub.Hub;
import dev.livehub.hub.testing.DeadPeerContract;

/**
 * {@link DeadPeerContract} on the servlet container's port (Tomcat, the embedded default): its listener's
 * {@code TCP_USER_TIMEOUT}, inherited by each accepted connection, makes the next heartbeat fail.
 */
@SpringBootTest(classes = StarterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "hub.token.secret=" + DeadPeerContract.SECRET, "hub.heartbeat=2s",
                "hub.max-connections-per-user=16", "server.address=0.0.0.0" })
@Import(ServletDeadPeerIntegrationTests.Meters.class)
class ServletDeadPeerIntegrationTests extends DeadPeerContract {

    @LocalServerPort
    int port;

    @Autowired
    Hub hub;

    @Autowired
    MeterRegistry meters;

    @Override
    protected Hub hub() {
        return hub;
    }

    @Override
    protected int port() {
        return port;
    }

    @Override
    protected double deadPeers() {
        return meters.get("hub.streams.dead.peers").counter().count();
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class Meters {

        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }
}
