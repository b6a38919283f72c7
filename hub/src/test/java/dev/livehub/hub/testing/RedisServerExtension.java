package dev.livehub.hub.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * A real Redis for one test class: a {@code redis-server} from PATH on a free port (never 6379), else a Testcontainers
 * container when Docker runs, else a failure that says what to install. Register it as a static field with
 * {@code @RegisterExtension}; it stops after the class.
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback {

    private Process process;

    private GenericContainer<?> container;

    private String host = "127.0.0.1";

    private int port;

    private Path dir;

    private RedisClient client;

    private StatefulRedisConnection<String, String> connection;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    public void start() throws IOException, InterruptedException {
        if (onPath("redis-server")) {
            startProcess();
        }
        else if (DockerClientFactory.instance().isDockerAvailable()) {
            container = new GenericContainer<>("redis:7").withExposedPorts(6379);
            container.start();
            host = container.getHost();
            port = container.getMappedPort(6379);
        }
        else {
            throw new IllegalStateException("These tests need a real Redis 7: install redis-server "
                    + "(apt-get install redis-server) or run Docker; .ci/run installs redis-server.");
        }
        client = RedisClient.create(uri());
        connection = client.connect();
    }

    private void startProcess() throws IOException, InterruptedException {
        port = freePort();
        dir = Files.createTempDirectory("redis-test-");
        launch();
    }

    /**
     * Stops the server as an outage would, keeping its data ({@code SHUTDOWN SAVE} writes it to disk), so that
     * {@link #startAgain()} brings it back as it was. Only for a redis-server process.
     */
    public void stopKeepingData() throws InterruptedException {
        requireProcess();
        RedisClient admin = RedisClient.create(uri());
        try (var connection = admin.connect()) {
            connection.sync().shutdown(true);
        }
        catch (io.lettuce.core.RedisException ex) {
            // SHUTDOWN closes the connection before it answers.
        }
        finally {
            admin.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        process.waitFor();
    }

    /** Kills the server and forgets its data: a Redis restarted without persistence. Then starts it again. */
    public void restartEmpty() throws IOException, InterruptedException {
        requireProcess();
        process.destroyForcibly().waitFor();
        Files.deleteIfExists(dir.resolve("dump.rdb"));
        launch();
    }

    /** Starts the server again on the same port, loading what {@link #stopKeepingData()} saved. */
    public void startAgain() throws IOException, InterruptedException {
        requireProcess();
        launch();
    }

    private void requireProcess() {
        if (process == null) {
            throw new IllegalStateException("stopping and restarting needs a redis-server process, not a container");
        }
    }

    private void launch() throws IOException, InterruptedException {
        process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--logfile", "redis.log")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()))
            .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!accepts(port)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("redis-server did not start on port " + port + "; see "
                        + dir.resolve("redis.log"));
            }
            Thread.sleep(20);
        }
    }

    /**
     * Freezes the server (SIGSTOP): connections stay open and commands wait unanswered, as with a Redis stalled by a
     * fork or a swapping host. {@link #unfreeze()} lets it answer them.
     */
    public void freeze() throws IOException, InterruptedException {
        signal("-STOP");
    }

    public void unfreeze() throws IOException, InterruptedException {
        signal("-CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        requireProcess();
        if (new ProcessBuilder("kill", signal, Long.toString(process.pid())).start().waitFor() != 0) {
            throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
        }
    }

    public void stop() {
        if (connection != null) {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            connection = null;
        }
        if (process != null) {
            process.destroy();
            try {
                process.waitFor();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
        if (container != null) {
            container.stop();
            container = null;
        }
    }

    public String uri() {
        return "redis://" + host + ":" + port;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /**
     * Points a Spring Boot test's hub at this server ({@code hub.engine=redis} and {@code spring.data.redis.*}); call
     * it from the test's {@code @DynamicPropertySource} method.
     */
    public void useForTheHub(org.springframework.test.context.DynamicPropertyRegistry registry) {
        registry.add("hub.engine", () -> "redis");
        registry.add("spring.data.redis.host", this::host);
        registry.add("spring.data.redis.port", this::port);
    }

    /** Plain commands on a connection of the test's own, for setting up and checking. */
    public RedisCommands<String, String> commands() {
        return connection.sync();
    }

    /**
     * A hash field's value as stored, or {@code null}: for values that are not text (Spring Session's JDK-serialized
     * attributes), which {@link #commands()} would decode as UTF-8, every invalid byte a U+FFFD alike.
     */
    public byte[] hgetBytes(String key, String field) {
        try (StatefulRedisConnection<byte[], byte[]> bytes = client.connect(ByteArrayCodec.INSTANCE)) {
            return bytes.sync().hget(key.getBytes(StandardCharsets.UTF_8), field.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * How many times this server has run {@code command} (lower case, as {@code INFO commandstats} names it:
     * {@code exists}, {@code hgetall}), 0 if never.
     */
    public long calls(String command) {
        java.util.regex.Matcher calls = java.util.regex.Pattern.compile("cmdstat_" + command + ":calls=(\\d+)")
            .matcher(commands().info("commandstats"));
        return calls.find() ? Long.parseLong(calls.group(1)) : 0;
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null && List.of(path.split(java.io.File.pathSeparator)).stream()
            .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }
}
