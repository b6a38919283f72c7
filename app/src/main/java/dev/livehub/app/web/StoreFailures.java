package dev.livehub.app.web;

import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.session.web.http.SessionRepositoryFilter;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.HtmlUtils;

/**
 * When Redis (sessions and live updates, with {@code hub.engine=redis}) is full or cannot be reached, a request that
 * needs it is answered {@code 503} with {@code Retry-After}: a short page in the app's style, or
 * {@code {"error":"store_full"|"store_unavailable","message":..}} for JSON and script requests; never the container's
 * HTML 500 with a stack trace. Each condition is logged as one line per {@link #LOG_EVERY}, with how many requests it
 * refused since the last line. Placed before Spring Session's filter, whose session save is what fails first.
 */
@Component
@Order(SessionRepositoryFilter.DEFAULT_ORDER - 1)
class StoreFailures extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(StoreFailures.class);

    /** At most one log line per condition in this interval. */
    static final Duration LOG_EVERY = Duration.ofMinutes(1);

    enum Condition {

        FULL("store_full", "Redis is full (maxmemory with noeviction) and refuses writes",
                "The app cannot save your session or send live updates right now: its store is full. "
                        + "An operator has been told; try again in a minute."),
        DOWN("store_unavailable", "Redis cannot be reached",
                "The app cannot reach the store that holds sessions and live updates right now. "
                        + "Try again in a minute.");

        final String code;

        final String logLine;

        final String message;

        Condition(String code, String logLine, String message) {
            this.code = code;
            this.logLine = logLine;
            this.message = message;
        }
    }

    private final Map<Condition, AtomicLong> lastLogged = new EnumMap<>(Condition.class);

    private final Map<Condition, AtomicLong> refused = new EnumMap<>(Condition.class);

    StoreFailures() {
        for (Condition condition : Condition.values()) {
            lastLogged.put(condition, new AtomicLong(Long.MIN_VALUE));
            refused.put(condition, new AtomicLong());
        }
    }

    @Override
    protected boolean shouldNotFilterErrorDispatch() {
        // An error page reads the session too.
        return false;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        }
        catch (ServletException | IOException | RuntimeException ex) {
            Condition condition = classify(ex);
            if (condition == null) {
                throw ex;
            }
            report(condition, ex);
            if (!response.isCommitted()) {
                answer(request, response, condition);
            }
        }
    }

    /** FULL or DOWN when {@code ex} comes from Redis being full or away, else null. */
    static Condition classify(Throwable ex) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            String message = String.valueOf(cause.getMessage());
            if (message.contains("OOM command not allowed") || message.contains("maxmemory")) {
                return Condition.FULL;
            }
        }
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            String type = cause.getClass().getName();
            if (type.equals("org.springframework.data.redis.RedisConnectionFailureException")
                    || type.equals("io.lettuce.core.RedisConnectionException")
                    || type.equals("org.springframework.dao.QueryTimeoutException")
                    || type.equals("io.lettuce.core.RedisCommandTimeoutException")) {
                return Condition.DOWN;
            }
        }
        return null;
    }

    private void report(Condition condition, Throwable ex) {
        refused.get(condition).incrementAndGet();
        AtomicLong last = lastLogged.get(condition);
        long now = System.nanoTime();
        long before = last.get();
        if ((before == Long.MIN_VALUE || now - before >= LOG_EVERY.toNanos()) && last.compareAndSet(before, now)) {
            log.warn("{}: answering 503 to requests that need it ({} since the last such line; {})",
                    condition.logLine, refused.get(condition).getAndSet(0), rootMessage(ex));
        }
    }

    private static String rootMessage(Throwable ex) {
        Throwable root = ex;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private static void answer(HttpServletRequest request, HttpServletResponse response, Condition condition)
            throws IOException {
        response.reset();
        response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
        response.setHeader("Retry-After", "60");
        response.setCharacterEncoding("UTF-8");
        if (wantsJson(request)) {
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            response.getWriter().write("{\"error\":\"" + condition.code + "\",\"message\":\"" + condition.message
                    + "\"}");
            return;
        }
        response.setContentType(MediaType.TEXT_HTML_VALUE);
        response.getWriter().write("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>Temporarily unavailable · livehub</title>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/css/app.css">
                </head><body class="center"><main id="main" class="card error-page">
                <p class="status">503</p><h1>Temporarily unavailable</h1><p id="problem">%s</p>
                <p><a class="button primary" href="">Try again</a></p></main></body></html>
                """.formatted(HtmlUtils.htmlEscape(condition.message)));
    }

    private static boolean wantsJson(HttpServletRequest request) {
        String accept = String.valueOf(request.getHeader("Accept"));
        String path = request.getRequestURI();
        return accept.contains("application/json") || "XMLHttpRequest".equals(request.getHeader("X-Requested-With"))
                || path.startsWith("/api/") || path.startsWith("/stream/") || path.startsWith("/hub/");
    }
}
