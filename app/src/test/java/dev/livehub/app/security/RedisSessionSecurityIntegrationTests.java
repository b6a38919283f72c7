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
        redis.useForTheHub(registry);
    }

    @Override
    String sessionCookie() {
        return "SESSION";
    }
}
