package dev.livehub.hub.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.RedisOperations;
import org.springframework.session.config.SessionRepositoryCustomizer;
import org.springframework.session.data.redis.RedisSessionRepository;
import org.springframework.session.data.redis.config.annotation.web.http.EnableRedisHttpSession;

import dev.livehub.hub.admission.SessionStreams;

/**
 * {@code hub.engine=redis}: sessions in Redis too, so a browser signed in on one node is signed in on every node:
 * Spring Session's plain (non-indexed) repository, which holds no pub/sub connection. Only with Spring Session Data
 * Redis on the classpath, a {@code RedisConnectionFactory}, no session repository of the application's, and
 * {@code hub.redis.sessions} not {@code false}. Before {@link HubAutoConfiguration}, whose session check needs the
 * repository, and before Boot's own Redis sessions, which then back off. Sessions expire after the application's
 * idle timeout, by Spring Boot's rule: {@code spring.session.timeout}, else {@code server.servlet.session.timeout},
 * else 30 minutes.
 */
@AutoConfiguration(before = HubAutoConfiguration.class,
        afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
        beforeName = "org.springframework.boot.session.data.redis.autoconfigure.SessionDataRedisAutoConfiguration")
@ConditionalOnClass(name = "org.springframework.session.data.redis.config.annotation.web.http.EnableRedisHttpSession")
@ConditionalOnBooleanProperty(name = "hub.enabled", matchIfMissing = true)
@ConditionalOnProperty(name = "hub.engine", havingValue = "redis")
@ConditionalOnBooleanProperty(name = "hub.redis.sessions", matchIfMissing = true)
@ConditionalOnBean(type = "org.springframework.data.redis.connection.RedisConnectionFactory")
@ConditionalOnMissingBean(type = "org.springframework.session.SessionRepository")
@EnableRedisHttpSession
public class HubRedisSessionsAutoConfiguration {

    /** Sessions per pipelined round trip of {@link #hubRedisSessionCheck}. */
    private static final int CHECK_BATCH = 1000;

    /**
     * The application's session timeout, not {@code @EnableRedisHttpSession}'s fixed 1800 seconds; the key namespace
     * set here too, so that {@link #hubRedisSessionCheck} knows the keys.
     */
    @Bean
    static SessionRepositoryCustomizer<RedisSessionRepository> hubSessionTimeout(Environment environment) {
        Duration timeout = SessionTimeout.of(environment);
        return repository -> {
            repository.setDefaultMaxInactiveInterval(timeout);
            repository.setRedisKeyNamespace(RedisSessionRepository.DEFAULT_KEY_NAMESPACE);
        };
    }

    /**
     * Whether the sessions of open streams still exist, from their keys ({@code spring:session:sessions:<id>}, which
     * Redis expires with the session), never a {@code findById} (an {@code HGETALL} and a deserialized security context
     * per session). Up to {@value #CHECK_BATCH} sessions a command: one {@code EXISTS key [key ...]} counts how many
     * keys are there (<a href="https://redis.io/docs/latest/commands/exists/">EXISTS</a>; on a Redis Cluster,
     * Lettuce's cluster commands split it by hash slot and add the counts); only when some but not all are missing
     * does an {@code EXISTS} per key, pipelined, tell which. A node checks its sessions all the time and almost all of them
     * exist: 250 pipelined {@code EXISTS} a second (5,000 sessions every 20 s) delayed ~20 live events a second by
     * 1-3 ms; one command does the same work in one round trip.
     */
    @Bean
    SessionStreams.SessionCheck hubRedisSessionCheck(RedisSessionRepository sessions) {
        RedisOperations<String, Object> redis = sessions.getSessionRedisOperations();
        String prefix = RedisSessionRepository.DEFAULT_KEY_NAMESPACE + ":sessions:";
        return new SessionStreams.SessionCheck() {
            @Override
            public boolean exists(String sessionId) {
                return !gone(List.of(sessionId)).contains(sessionId);
            }

            @Override
            public Set<String> gone(Collection<String> sessionIds) {
                List<String> ids = List.copyOf(sessionIds);
                Set<String> gone = new HashSet<>();
                for (int from = 0; from < ids.size(); from += CHECK_BATCH) {
                    List<String> batch = ids.subList(from, Math.min(ids.size(), from + CHECK_BATCH));
                    byte[][] keys = batch.stream().map(id -> (prefix + id).getBytes(StandardCharsets.UTF_8))
                        .toArray(byte[][]::new);
                    Long present = redis.execute((RedisCallback<Long>) connection -> connection.keyCommands()
                        .exists(keys));
                    if (present != null && present == batch.size()) {
                        continue;
                    }
                    // None there (a single session that is gone: a stream port's check before a further stream).
                    if (present != null && present == 0) {
                        gone.addAll(batch);
                        continue;
                    }
                    List<Object> found = redis.executePipelined((RedisCallback<Object>) connection -> {
                        for (byte[] key : keys) {
                            connection.keyCommands().exists(key);
                        }
                        return null;
                    });
                    for (int i = 0; i < batch.size(); i++) {
                        if (!Boolean.TRUE.equals(found.get(i))) {
                            gone.add(batch.get(i));
                        }
                    }
                }
                return gone;
            }
        };
    }
}
