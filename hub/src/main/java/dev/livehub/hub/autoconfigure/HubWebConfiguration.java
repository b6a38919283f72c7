package dev.livehub.hub.autoconfigure;

import java.io.IOException;
import java.time.Duration;
import java.util.EventListener;
import java.util.Map;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionIdListener;
import jakarta.servlet.http.HttpSessionListener;

import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.jetty.ConfigurableJettyWebServerFactory;
import org.springframework.boot.jetty.JettyServerCustomizer;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletListenerRegistrationBean;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.security.web.authentication.session.SessionFixationProtectionEvent;
import org.springframework.util.ClassUtils;
import org.springframework.util.function.SingletonSupplier;
import org.springframework.web.HttpRequestHandler;
import org.springframework.web.servlet.handler.SimpleUrlHandlerMapping;

import dev.livehub.hub.Hub;
import dev.livehub.hub.admission.HubUserResolver;
import dev.livehub.hub.admission.SessionStreams;
import dev.livehub.hub.admission.SessionUsers;
import dev.livehub.hub.admission.StreamAdmission;
import dev.livehub.hub.jetty.JettyStreamHandler;
import dev.livehub.hub.jetty.JettyStreamLoops;
import dev.livehub.hub.publishing.HttpPublishing;
import dev.livehub.hub.web.ListenerUserTimeout;
import dev.livehub.hub.web.PublishEndpoint;
import dev.livehub.hub.web.StreamEndpoint;
import dev.livehub.hub.web.StreamSessionFilter;

/**
 * The hub's endpoints, in a servlet web application.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(SimpleUrlHandlerMapping.class)
class HubWebConfiguration {

    private static final Logger log = LoggerFactory.getLogger(HubWebConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    StreamEndpoint hubStreamEndpoint(Hub hub, StreamAdmission admission, HubUserResolver users,
            HubProperties properties) {
        return new StreamEndpoint(hub, admission, users, properties.getStreamLifetime(), properties.getPollLimit());
    }

    /**
     * {@code /stream/app} and {@code /stream/app/poll} to the hub's own handlers, ahead of the application's
     * controllers: plain {@code HttpRequestHandler}s, which no {@code @ControllerAdvice} of the application applies
     * to (its {@code @ModelAttribute}, {@code @InitBinder} and {@code @ExceptionHandler} methods are for annotated
     * controllers), and no interceptor the application registers for its own mappings.
     */
    @Bean
    SimpleUrlHandlerMapping hubStreamHandlerMapping(StreamEndpoint endpoint) {
        return new SimpleUrlHandlerMapping(Map.of(StreamEndpoint.STREAM_PATH, (HttpRequestHandler) endpoint::stream,
                StreamEndpoint.POLL_PATH, (HttpRequestHandler) endpoint::poll), Ordered.HIGHEST_PRECEDENCE);
    }

    /**
     * A browser gone without FIN or RST (a lid closed, a network lost) frees its slots on the server's own port too:
     * its listening sockets get {@code TCP_USER_TIMEOUT} of three quarters of a heartbeat, inherited by every
     * connection they accept ({@link ListenerUserTimeout}). A stream writes at least once a heartbeat: the first write
     * the client never acknowledges goes out at most one heartbeat after the last one it did, the kernel drops the
     * connection three quarters of a heartbeat later, and the write after that fails. The slot is free within two
     * heartbeats of the last acknowledged write, with a quarter of one to spare before the write that would otherwise
     * find it (the stream port learns of the drop at once, and uses two heartbeats). Linux only; a port behind a proxy
     * has the proxy as its peer, which always acknowledges.
     */
    @Bean
    ApplicationListener<WebServerInitializedEvent> hubServerUserTimeout(HubProperties properties) {
        Duration timeout = properties.getHeartbeat().multipliedBy(3).dividedBy(4);
        return event -> {
            if (event.getApplicationContext().getServerNamespace() != null) {
                return; // a management port: it serves no streams
            }
            int port = event.getWebServer().getPort();
            try {
                int listeners = ListenerUserTimeout.set(port, timeout);
                if (listeners > 0) {
                    log.info("TCP_USER_TIMEOUT {} ms on port {} (listening sockets: {}): a client gone without "
                            + "closing frees its streams within two heartbeats", timeout.toMillis(), port, listeners);
                }
                else {
                    log.info("No TCP_USER_TIMEOUT on port {} (not Linux, or its listener not found in /proc): a client"
                            + " gone without closing holds its streams until the kernel gives up retransmitting", port);
                }
            }
            catch (IOException | RuntimeException ex) {
                log.warn("Could not set TCP_USER_TIMEOUT on port {}: {}; a client gone without closing holds its "
                        + "streams until the kernel gives up retransmitting", port, ex.getMessage());
            }
        };
    }

    /**
     * The container's session events, for sessions it holds itself: a session that ends ends its streams; one whose
     * id changes (a sign-in) ends the streams opened with the old id, so a tab signed in as someone else stops
     * receiving the previous user's events at once.
     */
    @Bean
    ServletListenerRegistrationBean<EventListener> hubSessionEvents(SessionStreams sessions) {
        return new ServletListenerRegistrationBean<>(new SessionEvents(sessions));
    }

    private record SessionEvents(SessionStreams sessions) implements HttpSessionListener, HttpSessionIdListener {

        @Override
        public void sessionDestroyed(HttpSessionEvent event) {
            sessions.endSession(event.getSession().getId(), "session-ended");
        }

        @Override
        public void sessionIdChanged(HttpSessionEvent event, String oldSessionId) {
            sessions.endSession(oldSessionId, "session-ended");
        }
    }

    /**
     * Tomcat's port: at most its share of the file limit ({@link ConnectionBudget}), and a request head must arrive
     * whole within {@code hub.server-head-timeout} ({@link TomcatRequestHeads}) and its body within
     * {@code hub.server-body-timeout} of the head ({@link TomcatRequestBodies}); {@code 100 Continue} is sent when the
     * application reads a body, not before it has looked at the head. Runs after Boot's own customizer, so the cap it
     * sets is the one that holds.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = { "org.apache.catalina.connector.Connector",
            "org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory" })
    static class TomcatConnections {

        @Bean
        WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> hubTomcatConnections(ConnectionBudget budget,
                HubProperties properties) {
            return new TomcatCustomizer(budget, properties.getServerHeadTimeout(), properties.getServerBodyTimeout());
        }
    }

    private record TomcatCustomizer(ConnectionBudget budget, Duration headTimeout, Duration bodyTimeout)
            implements WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory>, Ordered {

        @Override
        public void customize(ConfigurableTomcatWebServerFactory factory) {
            factory.addEngineValves(new TomcatRequestBodies(bodyTimeout));
            factory.addConnectorCustomizers(connector -> {
                if (connector.getProtocolHandler() instanceof AbstractProtocol<?> protocol) {
                    protocol.setMaxConnections(budget.servlet());
                }
                if (connector.getProtocolHandler() instanceof AbstractHttp11Protocol<?> http) {
                    // 100 Continue only when the application reads the body: a publish over its bound is then
                    // answered 413 without first telling its client to send it (Tomcat's default is at once).
                    http.setContinueResponseTiming("onRead");
                }
                TomcatRequestHeads.guard(connector, headTimeout);
            });
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }

    /**
     * Jetty's port: {@code /stream/app} served ahead of the servlet container, with Jetty's core API
     * ({@link JettyStreamHandler}), so a stream costs about what it costs on the Netty stream port and a closed tab frees
     * its slot at once, on the application's one port; at most its share of the file limit
     * ({@link ConnectionBudget}); and the same time limits for request heads and bodies as on Tomcat. The hub's beans
     * are looked up at the first stream, after the context has started.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = { "org.eclipse.jetty.server.Handler", "org.eclipse.jetty.ee11.webapp.WebAppContext",
            "org.springframework.boot.jetty.ConfigurableJettyWebServerFactory" })
    static class JettyStreams {

        @Bean(destroyMethod = "close")
        JettyStreamLoops hubJettyStreamLoops() {
            return new JettyStreamLoops(Runtime.getRuntime().availableProcessors());
        }

        /**
         * Installed where the hub can tell a stream's user without the servlet container: from Spring Session's store
         * (a {@link SessionUsers} bean), or by token only (no Spring Security, so no signed-in users). An application
         * whose users sign in to the container's own sessions keeps its streams on the servlet path, where those
         * sessions are read; the start log says which.
         */
        @Bean
        JettyServerCustomizer hubJettyStreams(ObjectProvider<StreamAdmission> admission,
                ObjectProvider<SessionUsers> sessions, JettyStreamLoops loops, HubProperties properties,
                Environment environment, ListableBeanFactory beans) {
            String path = environment.getProperty("server.servlet.context-path", "") + StreamEndpoint.STREAM_PATH;
            boolean springSession = beans.getBeanNamesForType(SessionUsers.class, true, false).length > 0;
            boolean signIn = ClassUtils.isPresent("org.springframework.security.core.context.SecurityContext",
                    HubWebConfiguration.class.getClassLoader());
            if (!springSession && signIn) {
                log.info("{} stays on the servlet path on Jetty's port: users sign in to the container's sessions, "
                        + "which only the servlet container reads (with Spring Session the hub serves it with Jetty's "
                        + "core API, at a tenth of the memory)", path);
                return server -> { };
            }
            Duration heartbeat = properties.getHeartbeat();
            // As on the stream port: a client may read nothing for two heartbeats; an idle connection (no write, no
            // read) is closed after three.
            return server -> server.setHandler(new JettyStreamHandler(server.getHandler(), path,
                    SingletonSupplier.of(admission::getObject),
                    SingletonSupplier.of(() -> sessions.getIfAvailable(() -> SessionUsers.NONE)), loops,
                    heartbeat.multipliedBy(2), heartbeat.multipliedBy(3)));
        }

        /**
         * A request head must arrive whole within {@code hub.server-head-timeout}, and its body within
         * {@code hub.server-body-timeout} ({@link JettyRequestTimes}).
         */
        @Bean
        JettyServerCustomizer hubJettyRequestTimes(HubProperties properties) {
            return server -> JettyRequestTimes.guard(server, properties.getServerHeadTimeout(),
                    properties.getServerBodyTimeout());
        }

        @Bean
        WebServerFactoryCustomizer<ConfigurableJettyWebServerFactory> hubJettyConnections(ConnectionBudget budget) {
            return new JettyConnections(budget);
        }
    }

    private record JettyConnections(ConnectionBudget budget)
            implements WebServerFactoryCustomizer<ConfigurableJettyWebServerFactory>, Ordered {

        @Override
        public void customize(ConfigurableJettyWebServerFactory factory) {
            factory.setMaxConnections(budget.servlet());
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }

    /**
     * A sign-in changes the session id (Spring Security's session fixation protection): the streams opened with the
     * old id end at once, so a browser signed in as someone else stops receiving the previous user's events. The
     * container tells this for its own sessions (above); Spring Security tells it for Spring Session's. Other nodes
     * are told through the engine at once ({@link SessionStreams#endSession}).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.security.web.authentication.session.SessionFixationProtectionEvent")
    static class SignInEndsOldStreams {

        @Bean
        ApplicationListener<SessionFixationProtectionEvent> hubSessionIdChanged(SessionStreams sessions) {
            return event -> sessions.endSession(event.getOldSessionId(), "session-ended");
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.session.SessionRepository")
    static class SpringSessionFilter {

        /** Just inside Spring Session's filter, on every dispatch: see {@link StreamSessionFilter}. */
        @Bean
        FilterRegistrationBean<StreamSessionFilter> hubStreamSessionFilter(StreamAdmission admission) {
            FilterRegistrationBean<StreamSessionFilter> registration = new FilterRegistrationBean<>(
                    new StreamSessionFilter(admission));
            registration.setOrder(org.springframework.session.web.http.SessionRepositoryFilter.DEFAULT_ORDER + 1);
            registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
            registration.addUrlPatterns("/stream/app", "/stream/app/poll");
            return registration;
        }
    }

    /** {@code POST /hub/publish}: served here and, with {@code hub.stream-port}, on the Netty port too. */
    @Bean
    @ConditionalOnMissingBean
    HttpPublishing hubHttpPublishing(Hub hub, HubProperties properties) {
        return new HttpPublishing(hub, properties.getPublish().getToken(), properties.getPublish().getMaxUsers(),
                properties.getPublish().getMaxBatch());
    }

    @Bean
    @ConditionalOnMissingBean
    PublishEndpoint hubPublishEndpoint(HttpPublishing publishing) {
        return new PublishEndpoint(publishing);
    }

    /**
     * {@code /hub/publish} ahead of every other filter (sessions, Spring Security): it checks its own bearer token,
     * and what those filters do per request would cost more than the publish itself.
     */
    @Bean
    FilterRegistrationBean<PublishEndpoint> hubPublishEndpointRegistration(PublishEndpoint endpoint) {
        FilterRegistrationBean<PublishEndpoint> registration = new FilterRegistrationBean<>(endpoint);
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        registration.setDispatcherTypes(DispatcherType.REQUEST);
        registration.addUrlPatterns(PublishEndpoint.PATH, PublishEndpoint.BATCH_PATH);
        return registration;
    }
}
