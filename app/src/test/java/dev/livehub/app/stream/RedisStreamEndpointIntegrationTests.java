package dev.livehub.app.stream;

import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.livehub.hub.testing.RedisServerExtension;

/**
 * The endpoint suite on the Redis engine, with sessions in Redis, on a real redis-server.
 */
@DirtiesContext
class RedisStreamEndpointIntegrationTests extends StreamEndpointContract {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("hub.engine", () -> "redis");
        registry.add("spring.data.redis.host", redis::host);
        registry.add("spring.data.redis.port", redis::port);
    }
}
