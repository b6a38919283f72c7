package dev.livehub.app.web;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.session.config.SessionRepositoryCustomizer;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;
import org.springframework.session.jdbc.config.annotation.web.http.EnableJdbcHttpSession;

import dev.livehub.hub.autoconfigure.SessionTimeout;

/**
 * With the memory engine (the embedded default, one node) sessions live in the app's own database, the H2 file under
 * {@code app.data-dir}, so a restart keeps everyone signed in. Its tables come with the Flyway migrations. With the
 * Redis engine the hub keeps them in Redis instead (its HubRedisSessionsAutoConfiguration).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "hub.engine", havingValue = "memory", matchIfMissing = true)
@EnableJdbcHttpSession
class JdbcSessions {

    /**
     * Sessions expire after {@code spring.session.timeout} (else {@code server.servlet.session.timeout}), as with
     * Redis: {@code @EnableJdbcHttpSession} alone fixes 1800 s whatever they say.
     */
    @Bean
    static SessionRepositoryCustomizer<JdbcIndexedSessionRepository> sessionTimeout(Environment environment) {
        return repository -> repository.setDefaultMaxInactiveInterval(SessionTimeout.of(environment));
    }
}
