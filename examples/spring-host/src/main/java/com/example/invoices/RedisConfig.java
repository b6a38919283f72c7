package com.example.invoices;

import io.lettuce.core.resource.ClientResources;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** The app's own Redis connection, not spring.data.redis.*: the hub (and the sessions) use this one. */
@Configuration(proxyBeanMethods = false)
@Profile("redis")
class RedisConfig {

    @Bean
    LettuceConnectionFactory redisConnectionFactory(@Value("${invoices.redis-url}") String url,
            ClientResources resources) {
        // Boot's ClientResources: reconnects within a second after an outage (the hub sets it), metrics too.
        return new LettuceConnectionFactory(LettuceConnectionFactory.createRedisConfiguration(url),
                LettuceClientConfiguration.builder().clientResources(resources).build());
    }
}
