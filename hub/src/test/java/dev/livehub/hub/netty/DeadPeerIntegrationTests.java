package dev.livehub.hub.netty;

import java.time.Duration;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.admission.ConnectRate;
import dev.livehub.hub.admission.SessionStreams;
import dev.livehub.hub.admission.SessionUsers;
import dev.livehub.hub.admission.StreamAdmission;
import dev.livehub.hub.admission.SubscriberTokens;
import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.DeadPeerContract;

/** {@link DeadPeerContract} on the Netty stream port: the kernel's {@code ETIMEDOUT} closes the channel at once. */
class DeadPeerIntegrationTests extends DeadPeerContract {

    private Hub hub;

    private NettyStreamServer server;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @BeforeEach
    void start() throws Exception {
        hub = new Hub(new MemoryEngine(StreamSettings.defaults()),
                new HubSettings(16, 1000, HEARTBEAT, Duration.ofMillis(5000), Duration.ofMinutes(30), 500), meters);
        SubscriberTokens tokens = SubscriberTokens.withSecret(SECRET, new SubscriberTokens.Settings("hub_token",
                "token", "sub", null, null, Duration.ofSeconds(30)));
        StreamAdmission admission = new StreamAdmission(hub, tokens, new SessionStreams(null, Duration.ofMinutes(1)),
                new ConnectRate(30, 2));
        // As the auto-configuration sets it: writes wait, and acknowledgements may lag, two heartbeats at most.
        server = new NettyStreamServer(admission, SessionUsers.NONE, new NettyStreamServer.Settings(
                HEARTBEAT.multipliedBy(2), Duration.ofSeconds(10), 1000, HEARTBEAT.multipliedBy(2)));
        server.start("0.0.0.0", 0);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    @Override
    protected Hub hub() {
        return hub;
    }

    @Override
    protected int port() {
        return server.port();
    }

    @Override
    protected double deadPeers() {
        return meters.get("hub.streams.dead.peers").counter().count();
    }
}
