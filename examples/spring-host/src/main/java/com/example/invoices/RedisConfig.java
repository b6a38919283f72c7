package com.example.invoices;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/** The app's own Redis connection, not spring.data.redis.*: the hub (and the sessions) use this one. */
@Configuration(proxyBeanMethods = false)
@Profile("redis")
class RedisConfig {

    @Bean
    LettuceConnectionFactory redisConnectionFactory(@Value("${invoices.redis-url}") String url) {
        return new LettuceConnectionFactory(LettuceConnectionFactory.createRedisConfiguration(url));
    }
}
