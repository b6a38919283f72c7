package dev.livehub.app;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import dev.livehub.hub.testing.RedisServerExtension;

/**
 * One app node started in the test JVM, as {@code java -jar app.jar} would run it, on a port of its own that it keeps
 * across restarts. Several nodes in one test share a Redis (and a database), as a cluster does.
 */
public final class AppNode implements AutoCloseable {

    private final Map<String, String> properties;

    private final int port;

    private ConfigurableApplicationContext context;

    private AppNode(Map<String, String> properties, int port) {
        this.properties = properties;
        this.port = port;
        start();
    }

    /**
     * A node with the embedded default: memory engine, its own H2 file (under target/test-data, kept across
     * {@link #restart()}), sessions in it.
     */
    public static AppNode embedded(Map<String, String> extra) {
        int port = freePort();
        Map<String, String> properties = new LinkedHashMap<>(Map.of("app.demo-users", "true",
                "hub.publish.token", "test-token", "app.data-dir", "./target/test-data/node-" + port + "-"
                        + System.nanoTime()));
        properties.putAll(extra);
        return new AppNode(properties, port);
    }

    /** A node with the Redis engine (and sessions in Redis) on the given Redis, plus any extra properties. */
    public static AppNode onRedis(int redisPort, Map<String, String> extra) {
        Map<String, String> properties = new LinkedHashMap<>(Map.of("app.demo-users", "true",
                "hub.engine", "redis", "spring.data.redis.host", "127.0.0.1",
                "spring.data.redis.port", Integer.toString(redisPort), "hub.publish.token", "test-token"));
        properties.putAll(extra);
        return new AppNode(properties, freePort());
    }

    /** A node with the Redis engine (and sessions) on a Redis Cluster, given one of its nodes. */
    public static AppNode onRedisCluster(String seed, Map<String, String> extra) {
        Map<String, String> properties = new LinkedHashMap<>(Map.of("app.demo-users", "true",
                "hub.engine", "redis", "spring.data.redis.cluster.nodes", seed, "hub.publish.token", "test-token"));
        properties.putAll(extra);
        return new AppNode(properties, freePort());
    }

    private void start() {
        List<String> args = new ArrayList<>(List.of("--server.port=" + port));
        properties.forEach((key, value) -> args.add("--" + key + "=" + value));
        context = new SpringApplicationBuilder(App.class).run(args.toArray(String[]::new));
    }

    /** Stops the node and starts it again on the same port, as a deploy or a crash and restart would. */
    public void restart() {
        stop();
        start();
    }

    public void stop() {
        if (context != null) {
            context.close();
            context = null;
        }
    }

    public String url() {
        return "http://localhost:" + port;
    }

    public int port() {
        return port;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        stop();
    }

    private static int freePort() {
        try {
            return RedisServerExtension.freePort();
        }
        catch (IOException ex) {
            throw new IllegalStateException("no free port", ex);
        }
    }
}
