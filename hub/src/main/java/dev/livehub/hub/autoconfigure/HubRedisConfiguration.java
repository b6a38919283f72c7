package dev.livehub.hub.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.livehub.hub.console.NodeHeartbeat;
import dev.livehub.hub.engine.Engine;
import dev.livehub.hub.engine.RedisEngine;
import dev.livehub.hub.engine.RedisKeys;
import dev.livehub.hub.engine.StreamSettings;

/**
 * {@code hub.engine=redis}: the engine on the application's Redis. With a Lettuce {@link RedisConnectionFactory}
 * (Spring Boot's, or one the application defines) the hub opens its two connections on that factory's client, so its
 * URI, TLS bundle, Sentinel or cluster settings are the hub's too; without one it builds its own client from
 * {@code spring.data.redis.*}, on the application's Lettuce {@link ClientResources} when there are some. Either way
 * Spring Boot's Lettuce observations (metrics and traces) see the hub's commands, and the start log says which Redis
 * the hub uses. Sessions in Redis: {@link HubRedisSessionsAutoConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "hub.engine", havingValue = "redis")
class HubRedisConfiguration {

    private static final Logger log = LoggerFactory.getLogger(HubRedisConfiguration.class);

    private static final Duration SLOW_RECONNECT = Duration.ofSeconds(5);

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = { "org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails",
            "io.lettuce.core.RedisClient" })
    static class RedisEngineConfiguration {

        @Bean
        @ConditionalOnMissingBean
        Engine hubEngine(HubProperties properties, ObjectProvider<RedisConnectionFactory> factories,
                ObjectProvider<DataRedisConnectionDetails> details, ObjectProvider<ClientResources> resources) {
            RedisKeys keys = new RedisKeys(properties.getRedis().getPrefix());
            StreamSettings settings = HubAutoConfiguration.streamSettings(properties);
            Duration timeout = properties.getRedis().getTimeout();
            Duration outageLogInterval = properties.getRedis().getOutageLogInterval();
            if (factories.getIfUnique() instanceof LettuceConnectionFactory factory) {
                String where = describe(factory);
                log.info("The hub uses the application's Redis ({}, {}), key prefix '{}'",
                        factory.getClass().getSimpleName(), where, keys.prefix());
                warnOfSlowReconnects(factory.getRequiredNativeClient().getResources());
                return RedisEngine.onSharedClient(factory.getRequiredNativeClient(), where, keys, settings, timeout)
                    .logOutagesEvery(outageLogInterval);
            }
            // Its own client shares the application's ClientResources when there are some (Spring Boot's carry the
            // Lettuce observations that count every command), so the hub's commands are measured like the rest.
            ClientResources clientResources = resources.getIfUnique(RedisEngine::clientResources);
            DataRedisConnectionDetails connection = details.getIfAvailable();
            if (connection != null && connection.getCluster() != null) {
                // spring.data.redis.cluster.nodes: the same engine on a Redis Cluster.
                List<RedisURI> nodes = connection.getCluster().getNodes().stream()
                    .map(node -> named(authenticated(RedisURI.builder().withHost(node.host()).withPort(node.port()),
                            connection).build()))
                    .toList();
                log.info("The hub uses its own Lettuce client on the Redis Cluster {}, key prefix '{}'", nodes,
                        keys.prefix());
                return new RedisEngine(RedisClusterClient.create(clientResources, nodes), keys,
                        settings, timeout).logOutagesEvery(outageLogInterval);
            }
            RedisURI uri = named(redisUri(connection));
            log.info("The hub uses its own Lettuce client on {}, key prefix '{}'", uri, keys.prefix());
            RedisClient client = RedisClient.create(clientResources, uri);
            client.setOptions(ClientOptions.builder().timeoutOptions(TimeoutOptions.enabled(timeout)).build());
            return new RedisEngine(client, keys, settings, timeout).logOutagesEvery(outageLogInterval);
        }

        /**
         * Closes the engine once the web server has stopped, just before the application's
         * {@link LettuceConnectionFactory} stops (a lifecycle phase above the factory's): the factory shuts its client
         * down when it stops, before any bean is destroyed, and an engine on that client would take it for a Redis
         * outage (a warning that live delivery paused, and warnings for connections already closed) on every
         * shutdown. The engine is not started again if the context is.
         */
        @Bean
        SmartLifecycle hubEngineClosesBeforeRedis(Engine engine, ObjectProvider<RedisConnectionFactory> factories,
                ObjectProvider<NodeHeartbeat> heartbeats) {
            int phase = factories.getIfUnique() instanceof LettuceConnectionFactory factory ? factory.getPhase() + 1 : 0;
            return new SmartLifecycle() {

                private volatile boolean running;

                @Override
                public void start() {
                    running = true;
                }

                @Override
                public void stop() {
                    running = false;
                    // While Redis is still there: the node's heartbeat goes now, not three intervals after it stopped.
                    heartbeats.ifAvailable(NodeHeartbeat::leave);
                    engine.close();
                }

                @Override
                public boolean isRunning() {
                    return running;
                }

                @Override
                public int getPhase() {
                    return phase;
                }
            };
        }

        /**
         * Boot's Lettuce reconnects within a second while Redis is away, instead of backing off to 30 s, so live
         * delivery resumes within a second of Redis returning.
         */
        @Bean
        ClientResourcesBuilderCustomizer hubReconnectDelay() {
            return builder -> builder.reconnectDelay(Delay.equalJitter(Duration.ofMillis(50), Duration.ofSeconds(1),
                    100, TimeUnit.MILLISECONDS));
        }

        /**
         * A connection factory the application built with Lettuce's default client resources reconnects after an
         * outage with a backoff that grows to 30 s, so live delivery (and sessions in Redis) may come back up to 30 s
         * after Redis does. Said once at start, with the fix.
         */
        static void warnOfSlowReconnects(ClientResources resources) {
            Duration longest = resources.reconnectDelay().createDelay(30);
            if (longest.compareTo(SLOW_RECONNECT) > 0) {
                log.warn("The application's Lettuce client backs off reconnects up to {} s, so after a Redis outage "
                        + "live delivery may resume only that long after Redis is back; build the "
                        + "LettuceConnectionFactory with Spring Boot's ClientResources bean "
                        + "(LettuceClientConfiguration.builder().clientResources(resources)), which the hub sets to "
                        + "reconnect within a second", longest.toSeconds());
            }
        }

        private static String describe(LettuceConnectionFactory factory) {
            if (factory.getClusterConfiguration() != null) {
                return "cluster " + factory.getClusterConfiguration().getClusterNodes().stream()
                    .map(Object::toString).collect(Collectors.joining(","));
            }
            if (factory.getSentinelConfiguration() != null) {
                return "sentinel master " + factory.getSentinelConfiguration().getMaster().getName();
            }
            return (factory.getClientConfiguration().isUseSsl() ? "rediss://" : "redis://") + factory.getHostName()
                    + ":" + factory.getPort() + "/" + factory.getDatabase();
        }

        /** Named after the process, so operators (hubctl stats, CLIENT LIST) can tell a node's connections. */
        private static RedisURI named(RedisURI uri) {
            uri.setClientName(RedisEngine.nodeName());
            return uri;
        }

        private static RedisURI.Builder authenticated(RedisURI.Builder uri, DataRedisConnectionDetails details) {
            if (details.getPassword() != null) {
                if (details.getUsername() != null) {
                    uri.withAuthentication(details.getUsername(), details.getPassword());
                }
                else {
                    uri.withPassword(details.getPassword().toCharArray());
                }
            }
            if (details.getSslBundle() != null) {
                uri.withSsl(true);
            }
            return uri;
        }

        private static RedisURI redisUri(DataRedisConnectionDetails details) {
            if (details == null || details.getStandalone() == null) {
                return RedisURI.create("redis://localhost:6379");
            }
            DataRedisConnectionDetails.Standalone standalone = details.getStandalone();
            return authenticated(RedisURI.builder()
                .withHost(standalone.getHost())
                .withPort(standalone.getPort())
                .withDatabase(standalone.getDatabase()), details).build();
        }
    }

    /**
     * {@code hub.engine=redis} without Spring Data Redis or without Lettuce (Spring Data Redis on Jedis, say): a start
     * that fails with the fix ({@link HubDependencyFailureAnalyzer}). The engine bean itself throws, so whichever bean
     * asks for the hub first (a servlet filter, while the web server starts) gets this reason, not "no Engine bean".
     */
    @Configuration(proxyBeanMethods = false)
    @Conditional(RedisMissingCondition.class)
    static class RedisMissing {

        @Bean
        static Engine hubEngine() {
            throw redisMissing();
        }
    }

    static final class RedisMissingCondition extends AnyNestedCondition {

        RedisMissingCondition() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnMissingClass("org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails")
        static class SpringDataRedisMissing {
        }

        @ConditionalOnMissingClass("io.lettuce.core.RedisClient")
        static class LettuceMissing {
        }
    }

    private static HubDependencyMissingException redisMissing() {
        return new HubDependencyMissingException("hub.engine=redis needs Spring Data Redis with Lettuce, which is not "
                + "on the classpath: add org.springframework.boot:spring-boot-starter-data-redis (and "
                + "spring-boot-starter-session-data-redis for sessions in Redis), or set hub.engine=memory");
    }
}
