package dev.livehub.server;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;

import static org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher.withDefaults;

/**
 * Who may see what the server knows about its users. Management endpoints other than health ({@code /actuator/metrics},
 * {@code /actuator/prometheus}) and the console ({@code /hub/console}) need the operator account
 * ({@code spring.security.user.name}/{@code .password}, role {@code OPERATOR}) over HTTP Basic, which Prometheus and
 * browsers speak; {@code /actuator/health} stays open for load balancers (details only to the operator). Streams,
 * polls and {@code /hub/publish} authenticate themselves (subscriber tokens, the publish token) and pass untouched.
 * Stateless: no session, no cookie, so no CSRF token either; the console's changing requests are JSON, which a page of
 * another site cannot send without CORS.
 */
@Configuration(proxyBeanMethods = false)
class OperatorSecurity {

    static final String ROLE = "OPERATOR";

    @Bean
    SecurityFilterChain operatorFilterChain(HttpSecurity http) throws Exception {
        // Only these paths go through this chain: a stream must not, since its headers are written by the stream's
        // own thread while the chain's header writer would touch the same response from the request thread
        // (a NullPointerException inside Tomcat's header list under load, and the stream lost).
        http.securityMatcher("/actuator/**", "/hub/console", "/hub/console/**")
            .authorizeHttpRequests(requests -> requests
            .requestMatchers(withDefaults().matcher("/actuator/health"), withDefaults().matcher("/actuator/health/**"))
            .permitAll()
            .requestMatchers(withDefaults().matcher("/actuator/**"), withDefaults().matcher("/hub/console"),
                    withDefaults().matcher("/hub/console/**"))
            .hasRole(ROLE)
            .anyRequest().permitAll())
            .httpBasic(basic -> basic.realmName("livehub operator"))
            .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
            .csrf(csrf -> csrf.disable())
            .requestCache(cache -> cache.disable())
            .securityContext(context -> context.requireExplicitSave(true));
        return http.build();
    }
}
