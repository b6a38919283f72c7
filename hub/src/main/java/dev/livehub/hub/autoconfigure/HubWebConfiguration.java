package dev.livehub.hub.autoconfigure;

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

/**
 * The hub's endpoints, in a servlet web application.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(ResponseBodyEmitter.class)
class HubWebConfiguration {

    @Bean
    @ConditionalOnMissingBean
    HubUserResolver hubUserResolver() {
        return HubUserResolver.principalName();
    }

    @Bean
    @ConditionalOnMissingBean
    StreamController hubStreamController(Hub hub, HubUserResolver users, HubProperties properties) {
        return new StreamController(hub, users, properties.getStreamLifetime(), properties.getPollLimit());
    }

    @Bean
    @ConditionalOnMissingBean
    PublishController hubPublishController(Hub hub, ObjectProvider<JsonMapper> json, HubProperties properties) {
        return new PublishController(hub, json.getIfAvailable(JsonMapper::new), properties.getPublish().getToken(),
                properties.getPublish().getMaxUsers());
    }
}
