package dev.livehub.app.web;

import jakarta.servlet.DispatcherType;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.WebAttributes;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.security.web.util.matcher.RequestMatcher;

import dev.livehub.app.users.AppUserDetails;
import dev.livehub.hub.admission.HubUserResolver;

import static org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher.withDefaults;

/**
 * Form login for pages; 401, never a redirect, for the stream and the JSON API.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfig {

    @Bean
    SecurityFilterChain security(HttpSecurity http) throws Exception {
        RequestMatcher machines = request -> {
            String path = request.getRequestURI().substring(request.getContextPath().length());
            return path.startsWith("/stream/") || path.startsWith("/api/") || path.startsWith("/hub/")
                    || "XMLHttpRequest".equals(request.getHeader("X-Requested-With"));
        };
        http.authorizeHttpRequests(requests -> requests
            // A stream's async dispatches and error pages are not new requests: the first dispatch was authorised.
            .dispatcherTypeMatchers(DispatcherType.ASYNC, DispatcherType.ERROR).permitAll()
            // The hub answers 401 itself when there is no user, and /hub/publish checks its bearer token.
            .requestMatchers(withDefaults().matcher("/stream/**"), withDefaults().matcher("/hub/publish")).permitAll()
            .requestMatchers(withDefaults().matcher("/login"), withDefaults().matcher("/error"),
                    withDefaults().matcher("/actuator/health"), withDefaults().matcher("/hub/app-stream.js"),
                    withDefaults().matcher("/css/**"), withDefaults().matcher("/js/**"),
                    withDefaults().matcher("/favicon.svg")).permitAll()
            .requestMatchers(withDefaults().matcher("/admin/**")).hasRole("ADMIN")
            .anyRequest().authenticated())
            // The sign-in page is the app's own (templates/login.html, LoginController).
            .formLogin(form -> form.loginPage("/login").defaultSuccessUrl("/", false))
            // The hub's customizer of every HttpSecurity (applied before these rules) adds what ends the session's
            // open streams at sign-out, here and on the other nodes, with auth-expired.
            .logout(logout -> logout.logoutSuccessUrl("/login?logout"))
            // EventSource gives up for good when redirected to an HTML login page: machines get a plain 401.
            // A denial keeps its reason for ErrorPages (a missing CSRF token is said as an expired form).
            .exceptionHandling(errors -> errors
                .defaultAuthenticationEntryPointFor(new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED), machines)
                .accessDeniedHandler((request, response, denied) -> {
                    request.setAttribute(WebAttributes.ACCESS_DENIED_403, denied);
                    response.sendError(HttpStatus.FORBIDDEN.value(), HttpStatus.FORBIDDEN.getReasonPhrase());
                }))
            // /hub/publish authenticates with a bearer token, not a cookie, so CSRF does not apply to it.
            .csrf(csrf -> csrf.ignoringRequestMatchers(withDefaults().matcher("/hub/publish")));
        return http.build();
    }

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    /** The hub user of a signed-in principal (on either stream transport) is the signed-in user's id. */
    @Bean
    HubUserResolver hubUserResolver() {
        return principal -> principal instanceof Authentication authentication
                && authentication.getPrincipal() instanceof AppUserDetails user ? user.hubId() : null;
    }
}
