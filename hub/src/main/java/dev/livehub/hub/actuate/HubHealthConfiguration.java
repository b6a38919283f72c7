package dev.livehub.hub.actuate;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

import dev.livehub.hub.Hub;
import dev.livehub.hub.PublishRetries;
import dev.livehub.hub.autoconfigure.HubAutoConfiguration;
import dev.livehub.hub.engine.Engine;

/**
 * The hub's health contributor ({@code management.health.hub.enabled}, on by default) when Spring Boot's health
 * support is present. Redis's own indicator follows {@code hub.engine}: see {@link RedisHealthDefault}.
 */
@AutoConfiguration(after = HubAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
@ConditionalOnBean(Hub.class)
@ConditionalOnEnabledHealthIndicator("hub")
public class HubHealthConfiguration {

    @Bean
    @ConditionalOnMissingBean(name = "hubHealthIndicator")
    HubHealthIndicator hubHealthIndicator(Hub hub, Engine engine, PublishRetries retries) {
        return new HubHealthIndicator(hub, engine, retries);
    }
}
