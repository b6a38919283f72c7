package dev.livehub.hub.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.session.data.redis.config.annotation.web.http.EnableRedisHttpSession;

/**
 * {@code hub.engine=redis}: sessions in Redis too, so a browser signed in on one node is signed in on every node:
 * Spring Session's plain (non-indexed) repository, which holds no pub/sub connection. Only with Spring Session Data
 * Redis on the classpath, a {@code RedisConnectionFactory}, no session repository of the application's, and
 * {@code hub.redis.sessions} not {@code false}. Before {@link HubAutoConfiguration}, whose session check needs the
 * repository, and before Boot's own Redis sessions, which then back off.
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
}
