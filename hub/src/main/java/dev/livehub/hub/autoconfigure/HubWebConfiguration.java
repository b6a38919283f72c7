package dev.livehub.hub.autoconfigure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;

import dev.livehub.hub.Hub;
import dev.livehub.hub.web.HubUserResolver;
import dev.livehub.hub.web.PublishController;
import dev.livehub.hub.web.StreamController;
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
    StreamController hubStreamController(Hub hub, HubUserResolver users, HubProperties properties) {
        return new StreamController(hub, users, subscriberTokens(properties.getToken()),
                properties.getStreamLifetime(), properties.getPollLimit());
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
    PublishController hubPublishController(Hub hub, ObjectProvider<JsonMapper> json, HubProperties properties) {
        return new PublishController(hub, json.getIfAvailable(JsonMapper::new), properties.getPublish().getToken(),
                properties.getPublish().getMaxUsers());
    }
}
