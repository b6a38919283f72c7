package dev.livehub.hub.autoconfigure;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.env.Environment;

/**
 * The application's session idle timeout, by Spring Boot's rule: {@code spring.session.timeout}, else
 * {@code server.servlet.session.timeout}, else 30 minutes; a bare number is seconds, as Boot binds them. For session
 * stores configured with an {@code @Enable...HttpSession} annotation, which fixes 1800 s and makes Boot ignore both
 * properties.
 */
public final class SessionTimeout {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

    private SessionTimeout() {
    }

    /**
     * @throws IllegalArgumentException when a property is set to something that is not a duration
     */
    public static Duration of(Environment environment) {
        for (String name : new String[] { "spring.session.timeout", "server.servlet.session.timeout" }) {
            String value = environment.getProperty(name);
            if (value != null && !value.isBlank()) {
                return DurationStyle.detectAndParse(value.trim(), ChronoUnit.SECONDS);
            }
        }
        return DEFAULT_TIMEOUT;
    }
}
