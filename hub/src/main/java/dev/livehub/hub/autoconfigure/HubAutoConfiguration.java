package dev.livehub.hub.autoconfigure;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;
import org.springframework.util.ClassUtils;

import dev.livehub.hub.AfterCommit;
import dev.livehub.hub.CrudBus;
import dev.livehub.hub.Outbox;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.PagePosition;
import dev.livehub.hub.PublishRetries;
import dev.livehub.hub.VirtualThreadCarriers;
import dev.livehub.hub.engine.Engine;
import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.netty.NettyStreamServer;
import dev.livehub.hub.publishing.HttpPublishing;
import dev.livehub.hub.admission.ConnectRate;
import dev.livehub.hub.admission.HubUserResolver;
import dev.livehub.hub.admission.SessionStreams;
import dev.livehub.hub.admission.SessionUsers;
import dev.livehub.hub.admission.StreamAdmission;
import dev.livehub.hub.admission.SubscriberTokens;

/**
 * The hub in a Spring Boot application: an {@link Engine} chosen by {@code hub.engine}, the {@link Hub}, the
 * {@link CrudBus}, and (in a servlet web application) {@code /stream/app}, {@code /stream/app/poll} and
 * {@code /hub/publish}. Every bean backs off when the application defines its own.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
        "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration" },
        beforeName = "org.springframework.boot.session.data.redis.autoconfigure.SessionDataRedisAutoConfiguration")
@ConditionalOnBooleanProperty(name = "hub.enabled", matchIfMissing = true)
@EnableConfigurationProperties({ HubProperties.class, PagePositionProperties.class })
@Import({ HubRedisConfiguration.class, HubWebConfiguration.class, HubSecurityConfiguration.class,
        OutboxConfiguration.class })
public class HubAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(HubAutoConfiguration.class);

    /** The stream position a layout hands to every page; it never fails a page (see {@link PagePosition}). */
    @Bean
    @ConditionalOnMissingBean
    PagePosition hubPagePosition(Hub hub, PagePositionProperties properties) {
        return new PagePosition(hub, properties.getTimeout(), properties.getLogInterval());
    }

    @Bean
    @ConditionalOnMissingBean
    Hub hub(Engine engine, HubProperties properties, ObjectProvider<MeterRegistry> registry) {
        String carriers = VirtualThreadCarriers.shortage();
        if (carriers != null) {
            log.warn(carriers);
        }
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
    CrudBus crudBus(AfterCommit afterCommit, PublishRetries retries, ObjectProvider<Outbox> outbox,
            ObjectProvider<HubUserResolver> users) {
        boolean web = isPresent("org.springframework.web.context.request.RequestContextHolder")
                && isPresent("jakarta.servlet.http.HttpServletRequest");
        HubUserResolver resolver = web ? users.getIfAvailable() : null;
        return new CrudBus(wireJson(), afterCommit,
                resolver != null ? new dev.livehub.hub.web.RequestOrigin(resolver) : () -> null, retries,
                outbox.getIfAvailable(() -> Outbox.NONE));
    }

    /**
     * The hub's own mapper for its wire format, never the application's: an application's {@code JsonMapper} may
     * write type information (default typing, common for Redis caches) or other conventions the browser does not
     * expect, and ids must stay plain numbers and strings.
     */
    static JsonMapper wireJson() {
        return JsonMapper.builder().build();
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

    /** The stream settings of {@code hub.stream.*}, as every engine of this application appends with them. */
    public static StreamSettings streamSettings(HubProperties properties) {
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

    /** The hub user of a signed-in principal: its name, unless the application says otherwise. */
    @Bean
    @ConditionalOnMissingBean
    HubUserResolver hubUserResolver() {
        return HubUserResolver.principalName();
    }

    /**
     * Ends a session's streams when the session ends: the container or Spring Security tells the node that served
     * the request (see {@link HubWebConfiguration}), which tells every other node through the engine; and with
     * Spring Session every node checks the sessions of its open streams every {@code hub.session-check-interval}.
     */
    @Bean
    @ConditionalOnMissingBean
    SessionStreams hubSessionStreams(ObjectProvider<SessionStreams.SessionCheck> check, HubProperties properties,
            Hub hub) {
        return new SessionStreams(check.getIfAvailable(), properties.getSessionCheckInterval(), hub);
    }

    /**
     * The connection caps of the server's port (Tomcat) and the stream port, together below the process's file limit
     * (see {@link ConnectionBudget}); logged once at start.
     */
    @Bean
    @ConditionalOnMissingBean
    ConnectionBudget hubConnectionBudget(HubProperties properties, Environment environment) {
        String property = servletCapProperty(environment);
        Integer servlet = property != null ? environment.getProperty(property, Integer.class) : Integer.valueOf(0);
        ConnectionBudget budget = ConnectionBudget.of(property != null ? property : "server.max-connections",
                ConnectionBudget.processFileLimit(), servlet,
                properties.getStreamPort() != null, properties.getStreamMaxConnections(),
                properties.isOversubscribeConnections());
        log.info("Connections: {}", budget);
        return budget;
    }

    /**
     * The connection cap property of the servlet container the hub caps ({@link HubWebConfiguration}): Tomcat's when
     * Tomcat is there, else Jetty's; {@code null} without a servlet container.
     */
    private static String servletCapProperty(Environment environment) {
        if (!environment.getProperty("spring.main.web-application-type", "servlet").equals("servlet")) {
            return null;
        }
        if (isPresent("org.apache.catalina.connector.Connector")
                && isPresent("org.springframework.boot.tomcat.TomcatConnectorCustomizer")) {
            return "server.tomcat.max-connections";
        }
        if (isPresent("org.eclipse.jetty.ee11.webapp.WebAppContext")
                && isPresent("org.springframework.boot.jetty.JettyServerCustomizer")) {
            return "server.jetty.max-connections";
        }
        return null;
    }

    /** Whether a request opens a stream, for every transport. */
    @Bean
    @ConditionalOnMissingBean
    StreamAdmission hubStreamAdmission(Hub hub, SessionStreams sessions, HubProperties properties) {
        return new StreamAdmission(hub, subscriberTokens(properties.getToken()), sessions,
                new ConnectRate(properties.getConnectRate().getBurst(), properties.getConnectRate().getPerSecond()));
    }

    /** {@code null} (tokens off) unless {@code hub.token.secret} or {@code hub.token.public-key} is set. */
    static SubscriberTokens subscriberTokens(HubProperties.Token token) {
        if (!token.isEnabled()) {
            return null;
        }
        if (!isPresent("com.nimbusds.jwt.SignedJWT")) {
            throw new IllegalStateException("hub.token.* turns on subscriber tokens, which need Nimbus JOSE+JWT: add "
                    + "com.nimbusds:nimbus-jose-jwt to the application, or unset hub.token.secret and "
                    + "hub.token.public-key");
        }
        SubscriberTokens.Settings settings = new SubscriberTokens.Settings(token.getCookie(), token.getParameter(),
                token.getUserClaim(), token.getIssuer(), token.getAudience(), token.getClockSkew());
        boolean secret = token.hasSecret();
        if (secret && token.hasPublicKey()) {
            throw new IllegalStateException("set hub.token.secret (HS256) or hub.token.public-key (RS256/ES256), "
                    + "not both");
        }
        SubscriberTokens tokens = secret ? SubscriberTokens.withSecret(token.getSecret(), settings)
                : SubscriberTokens.withPublicKey(token.getPublicKey(), settings);
        log.info("Subscriber tokens on: /stream/app accepts a JWT ({}) in ?{}= or the {} cookie",
                secret ? "HS256/384/512" : "signed with hub.token.public-key", token.getParameter(),
                token.getCookie());
        return tokens;
    }

    /** Sessions in Spring Session's store: checked for the streams they opened, and readable by the stream port. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.session.SessionRepository")
    static class SpringSessions {

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(type = "org.springframework.session.SessionRepository")
        SessionStreams.SessionCheck hubSessionCheck(SessionRepository<?> sessions) {
            return id -> sessions.findById(id) != null;
        }

        /** The signed-in users of the Netty stream port: the session cookie, read in the store, never extended. */
        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(type = "org.springframework.session.SessionRepository")
        @ConditionalOnClass(name = "org.springframework.security.core.context.SecurityContext")
        SessionUsers hubSessionUsers(SessionRepository<? extends Session> sessions, HubUserResolver users,
                Environment environment, SessionStreams open) {
            return new SpringSessionUsers(sessions, users,
                    environment.getProperty("server.servlet.session.cookie.name", "SESSION"), open);
        }
    }

    /**
     * {@code hub.stream-port}: streams also served by Netty, at a fraction of the memory, to subscriber tokens and
     * (with Spring Session) to signed-in users.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.netty.handler.codec.http.HttpServerCodec")
    @ConditionalOnProperty("hub.stream-port")
    static class NettyStreamsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        NettyStreamServer hubNettyStreamServer(StreamAdmission admission, ObjectProvider<SessionUsers> sessions,
                ObjectProvider<HttpPublishing> publishing, HubProperties properties, ConnectionBudget budget,
                ObjectProvider<Engine> engines) {
            Duration heartbeat = properties.getHeartbeat();
            // A write may wait two heartbeats for a client that reads nothing, and a peer that acknowledges nothing
            // is dropped after two: a dead peer's slot is free within three heartbeats of its last acknowledgement.
            NettyStreamServer.Settings settings = new NettyStreamServer.Settings(heartbeat.multipliedBy(2),
                    properties.getStreamHeadTimeout(), budget.stream(), heartbeat.multipliedBy(2),
                    properties.getStreamBodyTimeout());
            NettyStreamServer server = new NettyStreamServer(admission,
                    sessions.getIfAvailable(() -> SessionUsers.NONE), settings)
                .publishing(publishing.getIfAvailable());
            // On Redis: the streams on the engine's client's event loops, so a live event is written on the loop that
            // read it from the pub/sub connection (no thread hop for the streams on that loop).
            Engine engine = engines.getIfUnique();
            if (engine != null && ClassUtils.isPresent("io.lettuce.core.RedisClient", getClass().getClassLoader())) {
                RedisEventLoops.share(engine, server);
            }
            return server;
        }

        @Bean
        NettyStreamsLifecycle hubNettyStreams(NettyStreamServer server, HubProperties properties,
                Environment environment) {
            String address = properties.getStreamAddress() != null ? properties.getStreamAddress()
                    : environment.getProperty("server.address", "0.0.0.0");
            return new NettyStreamsLifecycle(server, address, properties.getStreamPort());
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
}
