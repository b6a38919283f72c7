package dev.livehub.app.security;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;

import dev.livehub.app.AppClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded default's sessions (in the app's database) expire after {@code spring.session.timeout}, as sessions in
 * Redis do: {@code @EnableJdbcHttpSession} alone fixes 1800 s and makes Spring Boot ignore the property.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "app.demo-users=true", "hub.engine=memory", "spring.session.timeout=7m" })
class JdbcSessionTimeoutTests {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    ConfigurableListableBeanFactory beans;

    /** Its cleanup runs on the minute from the moment it is built: never before the migrations made its table. */
    @Test
    void theSessionStoreIsBuiltAfterTheMigrations() {
        String[] stores = beans.getBeanNamesForType(JdbcIndexedSessionRepository.class);
        assertThat(stores).hasSize(1);
        assertThat(beans.getBeanDefinition(stores[0]).getDependsOn()).contains("flywayInitializer");
    }

    @Test
    void aSignedInSessionExpiresAfterTheConfiguredTimeout() throws Exception {
        AppClient alice = AppClient.signedIn("http://127.0.0.1:" + port, "alice");
        String cookie = alice.cookieHeader().replaceAll(".*SESSION=([^;]+).*", "$1");
        String id = new String(Base64.getDecoder().decode(cookie), StandardCharsets.UTF_8);

        assertThat(jdbc.sql("SELECT MAX_INACTIVE_INTERVAL FROM SPRING_SESSION WHERE SESSION_ID = ?").param(id)
            .query(Integer.class).single()).isEqualTo(7 * 60);
    }
}
