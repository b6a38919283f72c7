package dev.livehub.app.web;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

import static org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher.withDefaults;

/**
 * {@code /actuator/**}: health (with its readiness and liveness groups) open to load balancers, everything else
 * ({@code metrics}, {@code prometheus}) for admins only, signed in or over HTTP Basic (how Prometheus scrapes). Ahead
 * of the pages' chain, so their login form never answers a scraper.
 */
@Configuration(proxyBeanMethods = false)
class ManagementSecurity {

    @Bean
    @Order(1)
    SecurityFilterChain managementFilterChain(HttpSecurity http) throws Exception {
        http.securityMatcher(withDefaults().matcher("/actuator/**"))
            .authorizeHttpRequests(requests -> requests
                .requestMatchers(withDefaults().matcher("/actuator/health"),
                        withDefaults().matcher("/actuator/health/**")).permitAll()
                .anyRequest().hasRole("ADMIN"))
            .httpBasic(basic -> basic.realmName("livehub"))
            .csrf(csrf -> csrf.disable());
        return http.build();
    }
}
