package dev.livehub.hub.autoconfigure;

import java.time.Clock;

import javax.sql.DataSource;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;

import dev.livehub.hub.Hub;
import dev.livehub.hub.PublishRetries;
import dev.livehub.hub.outbox.JdbcOutbox;

/**
 * {@code hub.outbox.enabled}: publications made inside a transaction go through the table {@code hub_outbox} of the
 * application's database, and every node relays what is left there.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "org.springframework.jdbc.core.simple.JdbcClient")
@ConditionalOnProperty(name = "hub.outbox.enabled", havingValue = "true")
class OutboxConfiguration {

    @Bean
    @ConditionalOnMissingBean
    JdbcOutbox hubOutbox(Hub hub, DataSource dataSource, PlatformTransactionManager transactions,
            HubProperties properties, PublishRetries retries) {
        // Wall-clock time: rows are compared across nodes.
        return new JdbcOutbox(hub, JdbcClient.create(dataSource), transactions, Clock.systemUTC(),
                properties.getOutbox().getRelayAfter(), retries);
    }

    @Bean
    OutboxRelay hubOutboxRelay(JdbcOutbox outbox, HubProperties properties) {
        return new OutboxRelay(outbox, properties.getOutbox().getSweepInterval());
    }
}
