package dev.livehub.hub.jetty;

import java.nio.ByteBuffer;
import java.time.Duration;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
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
import dev.livehub.hub.web.ListenerUserTimeout;

/**
 * {@link DeadPeerContract} on a Jetty server's port ({@link JettyStreamHandler}), with its listener's
 * {@code TCP_USER_TIMEOUT} set as the auto-configuration sets it: the write the client never acknowledges fails with
 * {@code ETIMEDOUT}, and the response fails with it.
 */
class JettyDeadPeerIntegrationTests extends DeadPeerContract {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private Hub hub;

    private JettyStreamLoops loops;

    private Server server;

    private int port;

    @BeforeEach
    void start() throws Exception {
        hub = new Hub(new MemoryEngine(StreamSettings.defaults()),
                new HubSettings(16, 1000, HEARTBEAT, Duration.ofMillis(5000), Duration.ofMinutes(30), 500), meters);
        SubscriberTokens tokens = SubscriberTokens.withSecret(SECRET, new SubscriberTokens.Settings("hub_token",
                "token", "sub", null, null, Duration.ofSeconds(30)));
        StreamAdmission admission = new StreamAdmission(hub, tokens, new SessionStreams(null, Duration.ofMinutes(1)),
                new ConnectRate(30, 2));
        loops = new JettyStreamLoops(2);
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("0.0.0.0");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new JettyStreamHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(404);
                response.write(true, ByteBuffer.allocate(0), callback);
                return true;
            }
        }, "/stream/app", () -> admission, () -> SessionUsers.NONE, loops, HEARTBEAT.multipliedBy(2),
                HEARTBEAT.multipliedBy(3)));
        server.start();
        port = connector.getLocalPort();
        ListenerUserTimeout.set(port, HEARTBEAT.multipliedBy(3).dividedBy(4));
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
        if (loops != null) {
            loops.close();
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
        return port;
    }

    @Override
    protected double deadPeers() {
        return meters.get("hub.streams.dead.peers").counter().count();
    }
}
