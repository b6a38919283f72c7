package dev.livehub.hub.autoconfigure;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.session.config.SessionRepositoryCustomizer;
import org.springframework.session.data.redis.RedisSessionRepository;
import org.springframework.session.data.redis.config.annotation.web.http.EnableRedisHttpSession;

/**
 * {@code hub.engine=redis}: sessions in Redis too, so a browser signed in on one node is signed in on every node:
 * Spring Session's plain (non-indexed) repository, which holds no pub/sub connection. Only with Spring Session Data
 * Redis on the classpath, a {@code RedisConnectionFactory}, no session repository of the application's, and
 * {@code hub.redis.sessions} not {@code false}. Before {@link HubAutoConfiguration}, whose session check needs the
 * repository, and before Boot's own Redis sessions, which then back off. Sessions expire after the application's
 * idle timeout, by Spring Boot's rule: {@code spring.session.timeout}, else {@code server.servlet.session.timeout},
 * else 30 minutes.
 */
@AutoConfiguration(before = HubAutoConfiguration.class,
        afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
        beforeName = "org.springframework.boot.session.data.redis.autoconfigure.SessionDataRedisAutoConfiguration")
@ConditionalOnClass(name = "org.springframework.session.data.redis.config.annotation.web.http.EnableRedisHttpSession")
@ConditionalOnBooleanProperty(name = "hub.enabled", matchIfMissing = true)
@ConditionalOnProperty(name = "hub.engine", havingValue = "redis")
@ConditionalOnBooleanProperty(name = "hub.redis.sessions", matchIfMissing = true)
@ConditionalOnBean(type = "org.springframework.data.redis.connection.RedisConnectionFactory")
@ConditionalOnMissingBean(type = "org.springframework.session.SessionRepository")
@EnableRedisHttpSession
public class HubRedisSessionsAutoConfiguration {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

    /** The application's session timeout, not {@code @EnableRedisHttpSession}'s fixed 1800 seconds. */
    @Bean
    static SessionRepositoryCustomizer<RedisSessionRepository> hubSessionTimeout(Environment environment) {
        Duration timeout = sessionTimeout(environment);
        return repository -> repository.setDefaultMaxInactiveInterval(timeout);
    }

    /** Spring Boot's rule; both properties take a bare number as seconds, as Boot binds them. */
    static Duration sessionTimeout(Environment environment) {
        for (String name : new String[] { "spring.session.timeout", "server.servlet.session.timeout" }) {
            String value = environment.getProperty(name);
            if (value != null && !value.isBlank()) {
                return DurationStyle.detectAndParse(value.trim(), ChronoUnit.SECONDS);
            }
        }
        return DEFAULT_TIMEOUT;
    }
}
