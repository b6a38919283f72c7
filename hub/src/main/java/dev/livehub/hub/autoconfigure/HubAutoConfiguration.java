package dev.livehub.hub.autoconfigure;

import java.lang.management.ManagementFactory;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import dev.livehub.hub.AfterCommit;
import dev.livehub.hub.CrudBus;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.PublishRetries;
import dev.livehub.hub.engine.Engine;
import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.engine.RedisEngine;
import dev.livehub.hub.engine.RedisKeys;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.netty.NettyStreamServer;
import dev.livehub.hub.web.ConnectRate;
import dev.livehub.hub.web.SubscriberTokens;

/**
 * The hub in a Spring Boot application: an {@link Engine} chosen by {@code hub.engine}, the {@link Hub}, the
 * {@link CrudBus}, and (in a servlet web application) {@code /stream/app}, {@code /stream/app/poll} and
 * {@code /hub/publish}. Every bean backs off when the application defines its own.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
        "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration" })
@EnableConfigurationProperties(HubProperties.class)
@Import(HubWebConfiguration.class)
public class HubAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Hub hub(Engine engine, HubProperties properties, ObjectProvider<MeterRegistry> registry) {
        HubSettings settings = new HubSettings(properties.getMaxConnectionsPerUser(), properties.getOutboxSize(),
                properties.getHeartbeat(), properties.getRetry(), properties.getStreamLifetime(),
                properties.getCatchUpPage(), properties.getCompactAbove());
        return new Hub(engine, settings, registry.getIfAvailable(SimpleMeterRegistry::new));
    }

    @Bean
    HubLifecycle hubLifecycle(Hub hub, HubProperties properties) {
        return new HubLifecycle(hub, properties.getDrainWindow());
    }

    @Bean
    @ConditionalOnMissingBean
    CrudBus crudBus(Hub hub, ObjectProvider<JsonMapper> json, AfterCommit afterCommit, PublishRetries retries) {
        boolean web = isPresent("org.springframework.web.context.request.RequestContextHolder")
                && isPresent("jakarta.servlet.http.HttpServletRequest");
        return new CrudBus(hub, json.getIfAvailable(JsonMapper::new), afterCommit,
                web ? new dev.livehub.hub.web.RequestOrigin() : () -> null, retries);
    }

    @Bean
    @ConditionalOnMissingBean
    PublishRetries hubPublishRetries(Hub hub, HubProperties properties) {
        return new PublishRetries(hub, properties.getPublish().getRetryFor());
    }

    @Bean
    @ConditionalOnMissingBean
    AfterCommit hubAfterCommit() {
        boolean transactions = isPresent("org.springframework.transaction.support.TransactionSynchronizationManager");
        return transactions ? new TransactionAfterCommit() : AfterCommit.IMMEDIATE;
    }

    static StreamSettings streamSettings(HubProperties properties) {
        HubProperties.Stream stream = properties.getStream();
        return new StreamSettings(stream.getMaxEntries(), stream.getRetention(), stream.getDedupeWindow());
    }

    private static boolean isPresent(String className) {
        try {
            Class.forName(className, false, HubAutoConfiguration.class.getClassLoader());
            return true;
        }
        catch (ClassNotFoundException ex) {
            return false;
        }
    }

    /** {@code hub.stream-port}: streams (subscriber tokens) also served by Netty, at a fraction of the memory. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.netty.handler.codec.http.HttpServerCodec")
    @ConditionalOnProperty("hub.stream-port")
    static class NettyStreamsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        NettyStreamServer hubNettyStreamServer(Hub hub, HubProperties properties) {
            SubscriberTokens tokens = HubWebConfiguration.subscriberTokens(properties.getToken());
            ConnectRate rate = new ConnectRate(properties.getConnectRate().getBurst(),
                    properties.getConnectRate().getPerSecond());
            // A write may wait two heartbeats for a client that reads nothing; then its stream is closed.
            return new NettyStreamServer(hub, tokens, rate, properties.getHeartbeat().multipliedBy(2));
        }

        @Bean
        NettyStreamsLifecycle hubNettyStreams(NettyStreamServer server, HubProperties properties) {
            return new NettyStreamsLifecycle(server, properties.getStreamAddress(), properties.getStreamPort());
        }
    }

    /** {@code hub.stream-port} without Netty's HTTP codec: a start that fails with the fix, not a port never opened. */
    @Configuration(proxyBeanMethods = false)
    @org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass(
            "io.netty.handler.codec.http.HttpServerCodec")
    @ConditionalOnProperty("hub.stream-port")
    static class NettyStreamsMissing {

        NettyStreamsMissing() {
            throw new IllegalStateException("hub.stream-port is set but Netty's HTTP codec is not on the classpath: "
                    + "add io.netty:netty-codec-http (version from the Spring Boot BOM), or unset hub.stream-port");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "hub.engine", havingValue = "memory", matchIfMissing = true)
    static class MemoryEngineConfiguration {

        @Bean
        @ConditionalOnMissingBean
        Engine hubEngine(HubProperties properties) {
            return new MemoryEngine(streamSettings(properties));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "hub.engine", havingValue = "redis")
    @ConditionalOnClass(DataRedisConnectionDetails.class)
    static class RedisEngineConfiguration {

        @Bean
        @ConditionalOnMissingBean
        Engine hubEngine(HubProperties properties, ObjectProvider<DataRedisConnectionDetails> details) {
            DataRedisConnectionDetails connection = details.getIfAvailable();
            RedisKeys keys = new RedisKeys(properties.getRedis().getPrefix());
            java.time.Duration timeout = properties.getRedis().getTimeout();
            if (connection != null && connection.getCluster() != null) {
                // spring.data.redis.cluster.nodes: the same engine on a Redis Cluster.
                java.util.List<RedisURI> nodes = connection.getCluster().getNodes().stream()
                    .map(node -> named(authenticated(RedisURI.builder().withHost(node.host()).withPort(node.port()),
                            connection).build()))
                    .toList();
                return new RedisEngine(io.lettuce.core.cluster.RedisClusterClient.create(RedisEngine.clientResources(),
                        nodes), keys,
                        streamSettings(properties), timeout);
            }
            RedisClient client = RedisClient.create(RedisEngine.clientResources(), named(redisUri(connection)));
            client.setOptions(ClientOptions.builder().timeoutOptions(TimeoutOptions.enabled(timeout)).build());
            return new RedisEngine(client, keys, streamSettings(properties), timeout);
        }

        /** Named after the process, so operators (hubctl stats, CLIENT LIST) can tell a node's connections. */
        private static RedisURI named(RedisURI uri) {
            uri.setClientName("hub-node:" + ManagementFactory.getRuntimeMXBean().getName().replace('@', ':'));
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
}
