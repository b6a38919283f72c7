package dev.livehub.app.web;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Configuration;
import org.springframework.session.data.redis.config.annotation.web.http.EnableRedisHttpSession;

/**
 * With the Redis engine the app runs on several nodes, so sessions live in Redis and a cookie from one node works on
 * every node. (Boot's automatic session configuration is excluded in application.properties so that the embedded
 * default needs no Redis at all.) The plain, non-indexed repository holds no pub/sub connection.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "hub.engine", havingValue = "redis")
@EnableRedisHttpSession
class RedisSessions {
}
