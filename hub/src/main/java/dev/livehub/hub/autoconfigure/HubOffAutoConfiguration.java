package dev.livehub.hub.autoconfigure;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

import dev.livehub.hub.CrudBus;
import dev.livehub.hub.PagePosition;

/**
 * {@code hub.enabled=false}: no engine, no endpoints, no Redis connection, but the application's code that publishes
 * and renders pages still starts: {@link CrudBus} checks its arguments and publishes nothing, and
 * {@link PagePosition} gives every page no position.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "hub.enabled", havingValue = false)
public class HubOffAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    CrudBus crudBus() {
        return CrudBus.off(HubAutoConfiguration.wireJson());
    }

    @Bean
    @ConditionalOnMissingBean
    PagePosition hubPagePosition() {
        return PagePosition.off();
    }
}
