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
 * follow; the error dispatches of these paths pass; no request to them is asked for a CSRF token ({@code POST
 * /hub/publish} checks its own bearer token, and the stream and the poll change nothing and answer any method but GET
 * with the hub's {@code 405} JSON, which a CSRF refusal would otherwise turn into a login redirect or the
 * application's error page); signing out ends the session's streams at once. Applied first, before the application's own
 * rules.
 *
 * <p>The hub's paths stay in the application's chain (its sessions and its user are what a stream is opened for), and
 * with them Spring Security's header writer, which writes its headers when the response commits or else when the chain
 * returns: {@link dev.livehub.hub.web.StreamEndpoint} commits a stream's response on the request thread before the
 * stream's writer may write, so the header writer never writes a response at the same time as that writer.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = "org.springframework.security.config.annotation.web.builders.HttpSecurity")
class HubSecurityConfiguration {

    /** Paths whose requests the hub authenticates itself (session user, subscriber token or publish token). */
    static final String[] HUB_PATHS = { "/stream/app", "/stream/app/poll", "/hub/publish", "/hub/app-stream.js" };

    /** Paths that change nothing a cross-site request could abuse, or that take a bearer token, not a cookie. */
    static final String[] NO_CSRF_PATHS = { "/stream/app", "/stream/app/poll", "/hub/publish" };

    @Bean
    Customizer<HttpSecurity> hubEndpointsSecurity(SessionStreams sessions) {
        return http -> http
            .authorizeHttpRequests(requests -> requests.requestMatchers(HUB_PATHS).permitAll())
            .csrf(csrf -> csrf.ignoringRequestMatchers(NO_CSRF_PATHS))
            // Signing out ends the session's streams on this node at once, with auth-expired "signed-out".
            .logout(logout -> logout.addLogoutHandler((request, response, authentication) -> {
                if (request.getRequestedSessionId() != null) {
                    sessions.endSession(request.getRequestedSessionId(), "signed-out");
                }
            }));
    }
}
