package dev.livehub.hub.autoconfigure;

import jakarta.servlet.DispatcherType;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;

import dev.livehub.hub.Hub;
import dev.livehub.hub.web.ConnectRate;
import dev.livehub.hub.web.HubUserResolver;
import dev.livehub.hub.web.PublishEndpoint;
import dev.livehub.hub.web.SessionStreams;
import dev.livehub.hub.web.StreamController;
import dev.livehub.hub.web.StreamSessionFilter;
import dev.livehub.hub.web.SubscriberTokens;

/**
 * The hub's endpoints, in a servlet web application.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(ResponseBodyEmitter.class)
class HubWebConfiguration {

    private static final Logger log = LoggerFactory.getLogger(HubWebConfiguration.class);

    @Bean
    @ConditionalOnMissingBean
    HubUserResolver hubUserResolver() {
        return HubUserResolver.principalName();
    }

    @Bean
    @ConditionalOnMissingBean
    StreamController hubStreamController(Hub hub, HubUserResolver users, HubProperties properties,
            SessionStreams sessions) {
        return new StreamController(hub, users, subscriberTokens(properties.getToken()), sessions,
                new ConnectRate(properties.getConnectRate().getBurst(), properties.getConnectRate().getPerSecond()),
                properties.getStreamLifetime(), properties.getPollLimit());
    }

    /**
     * Ends a session's streams when the session ends: the container tells (this is an {@code HttpSessionListener}),
     * and with Spring Session every node checks the sessions of its open streams every
     * {@code hub.session-check-interval}.
     */
    @Bean
    @ConditionalOnMissingBean
    SessionStreams hubSessionStreams(ObjectProvider<SessionStreams.SessionCheck> check, HubProperties properties) {
        return new SessionStreams(check.getIfAvailable(), properties.getSessionCheckInterval());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.session.SessionRepository")
    static class SpringSessionCheck {

        @Bean
        @ConditionalOnMissingBean
        @org.springframework.boot.autoconfigure.condition.ConditionalOnBean(
                type = "org.springframework.session.SessionRepository")
        SessionStreams.SessionCheck hubSessionCheck(org.springframework.session.SessionRepository<?> sessions) {
            return id -> sessions.findById(id) != null;
        }

        /** Just inside Spring Session's filter, on every dispatch: see {@link StreamSessionFilter}. */
        @Bean
        FilterRegistrationBean<StreamSessionFilter> hubStreamSessionFilter() {
            FilterRegistrationBean<StreamSessionFilter> registration = new FilterRegistrationBean<>(
                    new StreamSessionFilter());
            registration.setOrder(org.springframework.session.web.http.SessionRepositoryFilter.DEFAULT_ORDER + 1);
            registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
            registration.addUrlPatterns("/stream/app", "/stream/app/poll");
            return registration;
        }
    }

    /** {@code null} (tokens off) unless {@code hub.token.secret} or {@code hub.token.public-key} is set. */
    static SubscriberTokens subscriberTokens(HubProperties.Token token) {
        if (!token.isEnabled()) {
            return null;
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

    @Bean
    @ConditionalOnMissingBean
    PublishEndpoint hubPublishEndpoint(Hub hub, HubProperties properties) {
        return new PublishEndpoint(hub, properties.getPublish().getToken(), properties.getPublish().getMaxUsers(),
                properties.getPublish().getMaxBatch());
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
