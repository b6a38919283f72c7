package dev.livehub.hub.console;

import java.lang.management.ManagementFactory;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.livehub.hub.Hub;
import dev.livehub.hub.autoconfigure.HubAutoConfiguration;
import dev.livehub.hub.autoconfigure.HubProperties;
import dev.livehub.hub.engine.Engine;

/**
 * Every node's heartbeat in the store, and, in a servlet web application, the console at {@code /hub/console}.
 */
@AutoConfiguration(after = HubAutoConfiguration.class)
@ConditionalOnBean(Hub.class)
@EnableConfigurationProperties(ConsoleProperties.class)
public class ConsoleConfiguration {

    @Bean(initMethod = "start")
    @ConditionalOnMissingBean
    NodeHeartbeat hubNodeHeartbeat(Hub hub, Engine engine, HubProperties hubProperties, ConsoleProperties properties) {
        String name = properties.getNodeName() == null || properties.getNodeName().isBlank()
                ? ManagementFactory.getRuntimeMXBean().getName().replace('@', ':') : properties.getNodeName();
        return new NodeHeartbeat(name, hub, engine, HubAutoConfiguration.streamSettings(hubProperties),
                properties.getHeartbeat());
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnProperty(name = "hub.console.enabled", matchIfMissing = true)
    static class ConsoleWebConfiguration {

        @Bean
        @ConditionalOnMissingBean
        ConsoleController hubConsoleController(Hub hub, Engine engine, NodeHeartbeat heartbeat,
                ConsoleProperties properties) {
            return new ConsoleController(hub, engine, heartbeat, properties.getRole());
        }
    }
}
