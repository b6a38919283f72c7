package dev.livehub.app.stream;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.data.redis.serializer.JdkSerializationRedisSerializer;
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

    /**
     * The session's {@code lastAccessedTime} in milliseconds, as Spring Session stored it: JDK-serialized, so read as
     * bytes. Read through the string codec, two different times could decode to one string (bytes that are no UTF-8
     * become U+FFFD alike): that made this test fail once in many runs.
     */
    long lastAccessedTime(String key) {
        byte[] stored = redis.hgetBytes(key, "lastAccessedTime");
        assertThat(stored).as("lastAccessedTime of %s", key).isNotNull();
        return (Long) new JdkSerializationRedisSerializer().deserialize(stored);
    }

    /** The decision: streams and polls do not extend a session, so an open tab does not keep it alive forever. */
    @Test
    void streamsAndPollsDoNotExtendTheSessionButPagesDo() throws Exception {
        String key = sessionKey();
        long before = lastAccessedTime(key);

        SseClient stream = open("", Map.of());
        stream.events().awaitFirst("ready", WAIT);
        assertThat(alice.get("/stream/app/poll").statusCode()).isEqualTo(200);
        stream.close();
        await().atMost(WAIT).until(() -> hub.connectionCount(aliceId) == 0);
        assertThat(lastAccessedTime(key)).isEqualTo(before);

        assertThat(alice.get("/tasks").statusCode()).isEqualTo(200);
        await().atMost(WAIT).untilAsserted(() -> assertThat(lastAccessedTime(sessionKey())).isGreaterThan(before));
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
