package dev.livehub.app.stream;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.livehub.hub.testing.RedisServerExtension;
import dev.livehub.hub.testing.SseClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The endpoint suite on the Redis engine, with sessions in Redis (Spring Session) on a real redis-server; and what
 * streams do to those sessions.
 */
@DirtiesContext
class RedisStreamEndpointIntegrationTests extends StreamEndpointContract {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        redis.useForTheHub(registry);
    }

    String sessionKey() {
        String cookie = alice.cookieHeader().replaceAll(".*SESSION=([^;]+).*", "$1");
        return "spring:session:sessions:" + new String(Base64.getDecoder().decode(cookie), StandardCharsets.UTF_8);
    }

    /** The decision: streams and polls do not extend a session, so an open tab does not keep it alive forever. */
    @Test
    void streamsAndPollsDoNotExtendTheSessionButPagesDo() throws Exception {
        String key = sessionKey();
        String before = redis.commands().hget(key, "lastAccessedTime");
        assertThat(before).isNotNull();

        SseClient stream = open("", Map.of());
        stream.events().awaitFirst("ready", WAIT);
        assertThat(alice.get("/stream/app/poll").statusCode()).isEqualTo(200);
        stream.close();
        await().atMost(WAIT).until(() -> hub.connectionCount(aliceId) == 0);
        assertThat(redis.commands().hget(key, "lastAccessedTime")).isEqualTo(before);

        assertThat(alice.get("/tasks").statusCode()).isEqualTo(200);
        // The session's key as the client's cookie names it now, read again: in two CI runs (out of many) the key read
        // before the streams kept its time within 10 s of a page served with 200. Whether the cookie had changed is
        // what the message says next time.
        await().atMost(WAIT).untilAsserted(() -> assertThat(redis.commands().hget(sessionKey(), "lastAccessedTime"))
            .as("session key %s before, %s now", key, sessionKey()).isNotEqualTo(before));
    }

    /** A session that expires or is deleted in Redis ends its streams at the node's next check. */
    @Test
    void aSessionDeletedInRedisEndsItsStreamsWithAuthExpired() throws Exception {
        SseClient stream = open("", Map.of());
        stream.events().awaitFirst("ready", WAIT);

        redis.commands().del(sessionKey());

        assertThat(stream.events().awaitFirst("auth-expired", WAIT).data()).isEqualTo("{\"reason\":\"session-ended\"}");
        stream.awaitEnd(WAIT);
    }
}
