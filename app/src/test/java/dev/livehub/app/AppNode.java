package dev.livehub.app;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One app node started in the test JVM on a free port, as {@code java -jar app.jar} would run it. Several nodes in one
 * test share a Redis, as a cluster does.
 */
public final class AppNode implements AutoCloseable {

    private final ConfigurableApplicationContext context;

    private AppNode(ConfigurableApplicationContext context) {
        this.context = context;
    }

    /** Starts a node with the Redis engine on the given Redis, plus any extra properties. */
    public static AppNode onRedis(int redisPort, Map<String, String> extra) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--app.demo-users=true",
                "--hub.engine=redis", "--spring.data.redis.host=127.0.0.1",
                "--spring.data.redis.port=" + redisPort, "--hub.publish.token=test-token"));
        extra.forEach((key, value) -> args.add("--" + key + "=" + value));
        return new AppNode(new SpringApplicationBuilder(App.class).run(args.toArray(String[]::new)));
    }

    public String url() {
        return "http://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort();
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    @Override
    public void close() {
        context.close();
    }
}
