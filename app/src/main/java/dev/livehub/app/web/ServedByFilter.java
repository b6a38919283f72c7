package dev.livehub.app.web;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * {@code X-Served-By: <app.node-name>} on every response, when a node name is set: which node behind the load
 * balancer answered, for operators (and the cluster tests).
 */
@Component
@ConditionalOnProperty(name = "app.node-name")
// Before Spring Security, which writes some responses (the login page, 401s) itself.
@org.springframework.core.annotation.Order(org.springframework.core.Ordered.HIGHEST_PRECEDENCE)
class ServedByFilter extends OncePerRequestFilter {

    private final String node;

    ServedByFilter(@Value("${app.node-name}") String node) {
        this.node = node;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader("X-Served-By", node);
        chain.doFilter(request, response);
    }
}
