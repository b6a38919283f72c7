package dev.livehub.hub.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;

import dev.livehub.hub.admission.SessionStreams;

/**
 * With Spring Security, every {@code HttpSecurity} the application builds (its own filter chains, or Spring Boot's
 * default one) lets the hub's endpoints answer for themselves, with no rule written by the application: a request
 * without a signed-in user gets the hub's {@code 401} JSON, not a redirect to a login form that a script cannot
 * follow; the async dispatches that end a stream and the errors of these paths pass; {@code POST /hub/publish}, which
 * checks its own bearer token, is not asked for a CSRF token; signing out ends the session's streams at once. Applied
 * first, before the application's own rules.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = "org.springframework.security.config.annotation.web.builders.HttpSecurity")
class HubSecurityConfiguration {

    /** Paths whose requests the hub authenticates itself (session user, subscriber token or publish token). */
    static final String[] HUB_PATHS = { "/stream/app", "/stream/app/poll", "/hub/publish", "/hub/app-stream.js" };

    @Bean
    Customizer<HttpSecurity> hubEndpointsSecurity(SessionStreams sessions) {
        return http -> http
            .authorizeHttpRequests(requests -> requests.requestMatchers(HUB_PATHS).permitAll())
            .csrf(csrf -> csrf.ignoringRequestMatchers("/hub/publish"))
            // Signing out ends the session's streams on this node at once, with auth-expired "signed-out".
            .logout(logout -> logout.addLogoutHandler((request, response, authentication) -> {
                if (request.getRequestedSessionId() != null) {
                    sessions.endSession(request.getRequestedSessionId(), "signed-out");
                }
            }));
    }
}
