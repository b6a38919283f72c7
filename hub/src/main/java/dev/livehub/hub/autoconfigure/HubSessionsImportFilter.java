package dev.livehub.hub.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfigurationImportFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Sessions follow {@code hub.engine}: with Spring Session Data Redis on the classpath, Spring Boot would keep sessions
 * in Redis whatever the engine, so an application run on the memory engine (one node, development, tests) would need
 * a Redis for its logins. Unless the hub is on with {@code hub.engine=redis}, Boot's Redis session
 * auto-configuration is left out and sessions stay in the servlet container ({@code hub.enabled=false}: nothing
 * connects to Redis); with {@code hub.engine=redis} the hub configures them in Redis ({@link HubRedisConfiguration})
 * unless {@code hub.redis.sessions=false}.
 */
public final class HubSessionsImportFilter implements AutoConfigurationImportFilter, EnvironmentAware {

    static final String REDIS_SESSIONS =
            "org.springframework.boot.session.data.redis.autoconfigure.SessionDataRedisAutoConfiguration";

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public boolean[] match(String[] candidates, AutoConfigurationMetadata metadata) {
        boolean sessionsInRedis = environment.getProperty("hub.enabled", Boolean.class, true)
                && "redis".equalsIgnoreCase(environment.getProperty("hub.engine", "memory").strip())
                && environment.getProperty("hub.redis.sessions", Boolean.class, true);
        boolean[] match = new boolean[candidates.length];
        for (int i = 0; i < candidates.length; i++) {
            match[i] = sessionsInRedis || !REDIS_SESSIONS.equals(candidates[i]);
        }
        return match;
    }
}
