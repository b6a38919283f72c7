package dev.livehub.hub.actuate;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Spring Boot's Redis health indicator is on exactly when the hub keeps its streams in Redis ({@code hub.engine=redis}):
 * with the memory engine an application may still carry Spring Data Redis (for sessions it does not use then), and a
 * Redis nobody needs must not make the node DOWN. An explicit {@code management.health.redis.enabled} wins: this only
 * adds a default, after every other property source.
 */
public final class RedisHealthDefault implements EnvironmentPostProcessor {

    static final String PROPERTY = "management.health.redis.enabled";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.containsProperty(PROPERTY)) {
            return;
        }
        boolean redis = "redis".equalsIgnoreCase(environment.getProperty("hub.engine", "memory").strip());
        environment.getPropertySources().addLast(new MapPropertySource("hubRedisHealthDefault",
                Map.of(PROPERTY, Boolean.toString(redis))));
    }
}
