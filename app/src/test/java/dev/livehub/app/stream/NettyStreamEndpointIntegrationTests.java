package dev.livehub.app.stream;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import dev.livehub.hub.netty.NettyStreamServer;
import dev.livehub.hub.testing.SseClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

    /**
     * A session with a stream open on this node is known: a further stream of it (the next page, another tab) does not
     * read and deserialize the session again, only asks Redis that it still exists. Once its streams are gone, the next
     * one reads it.
     */
    @Test
    void aFurtherStreamOfASessionWithAStreamOpenHereDoesNotReadTheSessionAgain() throws Exception {
        SseClient first = open("", Map.of());
        first.events().awaitFirst("ready", WAIT);
        long reads = sessionReads();

        SseClient second = open("", Map.of());
        second.events().awaitFirst("ready", WAIT);
        assertThat(sessionReads()).as("HGETALL of sessions").isEqualTo(reads);

        first.close();
        second.close();
        await().atMost(WAIT).until(() -> hub.connectionCount(aliceId) == 0);
        SseClient third = open("", Map.of());
        third.events().awaitFirst("ready", WAIT);
        assertThat(sessionReads()).as("HGETALL of sessions").isEqualTo(reads + 1);
        third.close();
    }

    /** A session deleted in Redis gets no further stream, even on a node where one of its streams is still open. */
    @Test
    void aSessionDeletedInRedisOpensNoFurtherStreamWhereOneIsStillOpen() throws Exception {
        SseClient first = open("", Map.of());
        first.events().awaitFirst("ready", WAIT);
        redis.commands().del(sessionKey());

        SseClient second = open("", Map.of());
        assertThat(second.status()).isEqualTo(401);
        first.close();
    }

    /** Sessions Spring Session has read from Redis: one {@code HGETALL} each. */
    private static long sessionReads() {
        return redis.calls("hgetall");
    }
}
