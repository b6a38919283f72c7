package dev.livehub.app.web;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Configuration;
import org.springframework.session.jdbc.config.annotation.web.http.EnableJdbcHttpSession;

/**
 * With the memory engine (the embedded default, one node) sessions live in the app's own database, the H2 file under
 * {@code app.data-dir}, so a restart keeps everyone signed in. Its tables come with the Flyway migrations. With the
 * Redis engine the hub keeps them in Redis instead (its HubRedisSessionsAutoConfiguration).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "hub.engine", havingValue = "memory", matchIfMissing = true)
@EnableJdbcHttpSession
class JdbcSessions {
}
