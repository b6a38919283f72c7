package com.example.invoices;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.livehub.hub.testing.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The hub on the memory engine needs neither Lettuce nor Nimbus: this app, started in a JVM of its own whose classpath
 * has neither jar (nor Spring Data Redis, as an app without the Redis starters), serves its pages and the hub's
 * endpoints.
 */
class WithoutLettuceOrNimbusTests {

    @Test
    void theMemoryEngineRunsWithoutLettuceOrNimbusOnTheClasspath() throws Exception {
        String classpath = Arrays.stream(System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")).split(File.pathSeparator))
            .filter(entry -> !entry.contains("lettuce-core") && !entry.contains("nimbus-jose-jwt")
                    && !entry.contains("spring-data-redis") && !entry.contains("spring-session-data-redis"))
            .collect(Collectors.joining(File.pathSeparator));
        assertThat(classpath).doesNotContain("lettuce", "nimbus").contains("hub");
        int port = RedisServerExtension.freePort();
        Path log = Files.createTempFile("host-", ".log");
        Process app = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, InvoicesApplication.class.getName(), "--server.port=" + port))
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
                assertThat(app.isAlive()).as(() -> readQuietly(log)).isTrue();
                return readQuietly(log).contains("Started InvoicesApplication");
            });

            HttpResponse<String> stream = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/stream/app")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(stream.statusCode()).isEqualTo(401);
            assertThat(stream.body()).startsWith("{\"error\":\"unauthenticated\"");
            assertThat(readQuietly(log)).doesNotContain("NoClassDefFoundError", "ClassNotFoundException");
        }
        finally {
            app.destroy();
            app.waitFor();
            Files.deleteIfExists(log);
        }
    }

    @Test
    void hubEngineRedisWithoutTheRedisStartersStopsTheStartNamingTheDependencyToAdd() throws Exception {
        // As an app without spring-boot-starter-data-redis nor spring-boot-starter-session-data-redis.
        String classpath = Arrays.stream(System.getProperty("surefire.test.class.path",
                System.getProperty("java.class.path")).split(File.pathSeparator))
            .filter(entry -> !entry.contains("lettuce") && !entry.contains("data-redis"))
            .collect(Collectors.joining(File.pathSeparator));
        assertThat(classpath).doesNotContain("lettuce", "data-redis").contains("hub");
        Path log = Files.createTempFile("host-", ".log");
        Process app = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, InvoicesApplication.class.getName(), "--server.port=" + RedisServerExtension.freePort(),
                "--hub.engine=redis"))
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertThat(app.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)).as(() -> readQuietly(log)).isTrue();
            assertThat(app.exitValue()).isNotZero();
            assertThat(readQuietly(log)).contains("APPLICATION FAILED TO START",
                    "hub.engine=redis needs Spring Data Redis with Lettuce",
                    "add org.springframework.boot:spring-boot-starter-data-redis")
                .doesNotContain("required a bean of type 'dev.livehub.hub.engine.Engine'");
        }
        finally {
            app.destroyForcibly();
            app.waitFor();
            Files.deleteIfExists(log);
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        }
        catch (java.io.IOException ex) {
            return "";
        }
    }
}
