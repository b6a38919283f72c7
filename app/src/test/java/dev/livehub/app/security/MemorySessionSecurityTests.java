package dev.livehub.app.security;

import org.springframework.test.context.TestPropertySource;

/** The container's (Tomcat's) sessions: the embedded default. */
@TestPropertySource(properties = "hub.engine=memory")
class MemorySessionSecurityTests extends SessionSecurityContract {

    @Override
    String sessionCookie() {
        return "JSESSIONID";
    }
}
