package dev.livehub.app.security;

import org.springframework.test.context.TestPropertySource;

/** Spring Session's sessions in the app's own database: the embedded default. */
@TestPropertySource(properties = "hub.engine=memory")
class JdbcSessionSecurityTests extends SessionSecurityContract {

    @Override
    String sessionCookie() {
        return "SESSION";
    }
}
