package dev.livehub.app.stream;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import dev.livehub.hub.netty.NettyStreamServer;

/**
 * The endpoint suite with the streams on the Netty stream port ({@code hub.stream-port}), as nodes behind a proxy
 * serve them: signed-in users found through Spring Session's store in Redis, the sessions never extended by a stream,
 * sign-out and a deleted session ending the streams with {@code auth-expired}.
 */
@TestPropertySource(properties = "hub.stream-port=0")
class NettyStreamEndpointIntegrationTests extends RedisStreamEndpointIntegrationTests {

    @Autowired
    NettyStreamServer streams;

    @Override
    protected String streamUrl() {
        return "http://127.0.0.1:" + streams.port() + "/stream/app";
    }
}
