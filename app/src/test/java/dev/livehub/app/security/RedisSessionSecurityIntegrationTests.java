package dev.livehub.app.security;

import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.livehub.hub.testing.RedisServerExtension;

/** Spring Session's sessions in Redis, as on several nodes. */
class RedisSessionSecurityIntegrationTests extends SessionSecurityContract {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("hub.engine", () -> "redis");
        registry.add("spring.data.redis.host", redis::host);
        registry.add("spring.data.redis.port", redis::port);
    }

    @Override
    String sessionCookie() {
        return "SESSION";
    }
}
