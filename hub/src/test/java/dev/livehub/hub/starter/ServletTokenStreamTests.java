package dev.livehub.hub.starter;

import java.time.Duration;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.livehub.hub.Hub;
import dev.livehub.hub.testing.TokenStreamContract;

/** The endpoint contract on the servlet container's {@code /stream/app}, for subscriber tokens. */
@SpringBootTest(classes = StarterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "hub.token.secret=" + ServletTokenStreamTests.SECRET, "hub.token.clock-skew=5s",
                "hub.heartbeat=500ms", "hub.max-connections-per-user=3" })
class ServletTokenStreamTests extends TokenStreamContract {

    static final String SECRET = "servlet-contract-secret-of-32-bytes!!";

    @LocalServerPort
    int port;

    @Autowired
    Hub hub;

    @Override
    protected Hub hub() {
        return hub;
    }

    @Override
    protected String streamUrl() {
        return "http://127.0.0.1:" + port + "/stream/app";
    }

    @Override
    protected String pollUrl() {
        return "http://127.0.0.1:" + port + "/stream/app/poll";
    }

    @Override
    protected String secret() {
        return SECRET;
    }

    @Override
    protected Duration clockSkew() {
        return Duration.ofSeconds(5);
    }
}
