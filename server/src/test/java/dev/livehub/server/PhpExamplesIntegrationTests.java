package dev.livehub.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.livehub.hub.testing.RedisServerExtension;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The PHP examples ({@code examples/php}) against a real hub server on a real Redis, run by Debian's {@code php-cli}
 * with {@code php-redis}: a token PHP signs opens the stream, and what PHP publishes, with {@code FCALL hub_publish}
 * or {@code POST /hub/publish}, arrives on it.
 */
@SpringBootTest(classes = HubServer.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "hub.token.secret=" + PhpExamplesIntegrationTests.SECRET, "hub.publish.token=" + PhpExamplesIntegrationTests.PUBLISH_TOKEN })
class PhpExamplesIntegrationTests {

    static final String SECRET = "php-example-secret-of-32-bytes-or-more";

    static final String PUBLISH_TOKEN = "php-publish-token";

    static final Path EXAMPLES = Path.of("..", "examples", "php").toAbsolutePath().normalize();

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        redis.useForTheHub(registry);
    }

    @LocalServerPort
    int port;

    @BeforeAll
    static void phpIsThere() throws Exception {
        Result version = run(List.of("php", "-r", "echo extension_loaded('redis') ? 'redis' : 'no redis';"));
        assertThat(version.output())
            .as("the PHP examples need php-cli and php-redis (apt-get install php-cli php-redis; .ci/run does)")
            .isEqualTo("redis");
    }

    @Test
    void aTokenSignedByPhpOpensTheStreamAndFcallHubPublishReachesIt() throws Exception {
        try (SseClient browser = streamWithPhpToken("42")) {
            Result published = php("publish-redis", "42,43", "crud.update", "{\"model\":\"Task\",\"id\":12}");

            assertThat(published.exit()).as(published.errors()).isZero();
            SseEvent event = browser.events().awaitPublished(1, Duration.ofSeconds(10)).getFirst();
            assertThat(event.event()).isEqualTo("crud.update");
            assertThat(event.data()).isEqualTo("{\"model\":\"Task\",\"id\":12}");
            assertThat(published.output()).contains("\"42\":\"" + event.id() + "\"", "\"43\":");
        }
    }

    @Test
    void phpEncodesAUserIdWithASpaceOrAnAccentInTheStreamKeyAsTheHubDoes() throws Exception {
        for (String user : List.of("Mary Ann", "josé")) {
            try (SseClient browser = streamWithPhpToken(user)) {
                Result published = php("publish-redis", user, "notif", "{\"unread\":1}");

                assertThat(published.exit()).as(published.errors()).isZero();
                assertThat(browser.events().awaitPublished(1, Duration.ofSeconds(10)).getFirst().data())
                    .isEqualTo("{\"unread\":1}");
            }
        }
    }

    @Test
    void whatPhpPostsToHubPublishReachesTheStream() throws Exception {
        try (SseClient browser = streamWithPhpToken("44")) {
            Result published = php("publish-http", "44", "notif", "{\"unread\":3}");

            assertThat(published.exit()).as(published.errors()).isZero();
            assertThat(browser.events().awaitPublished(1, Duration.ofSeconds(10)).getFirst())
                .extracting(SseEvent::event, SseEvent::data).containsExactly("notif", "{\"unread\":3}");
        }
    }

    @Test
    void theJsonPhpSendsArrivesAsItWasWrittenEmptyObjectsIncluded() throws Exception {
        String json = "{\"fields\":{},\"list\":[],\"nested\":{\"a\":{}},\"n\":1.0}";
        try (SseClient browser = streamWithPhpToken("45")) {
            Result viaRedis = php("publish-redis", "45", "crud.update", json);
            Result viaHttp = php("publish-http", "45", "crud.update", json);

            assertThat(viaRedis.exit()).as(viaRedis.errors()).isZero();
            assertThat(viaHttp.exit()).as(viaHttp.errors()).isZero();
            assertThat(browser.events().awaitPublished(2, Duration.ofSeconds(10))).extracting(SseEvent::data)
                .containsExactly(json, json);
        }
        Result encoded = run(List.of("php", "-r", "require '" + EXAMPLES.resolve("LiveHub.php") + "';"
                + "echo (new ReflectionMethod('LiveHub', 'json'))->invoke(null, "
                + "['fields' => new stdClass(), 'list' => [], 'n' => 1.0]);"));
        // A PHP value: an stdClass is an object, an array a list, and 1.0 keeps its fraction.
        assertThat(encoded.output()).isEqualTo("{\"fields\":{},\"list\":[],\"n\":1.0}");
    }

    @Test
    void aBatchFromPhpIsOneRequestAnsweredPerPublication() throws Exception {
        try (SseClient first = streamWithPhpToken("46"); SseClient second = streamWithPhpToken("47")) {
            Result published = php("publish-batch", "46", "notif", "{\"unread\":1}", "47,46", "crud.delete",
                    "{\"model\":\"Task\",\"id\":3}", "47", "Bad Name", "{}");

            // One of the three refused: every result printed, and the exit code says not all were appended.
            assertThat(published.exit()).as(published.errors()).isEqualTo(1);
            assertThat(published.errors()).contains("not every publication was appended");
            assertThat(published.output()).contains("\"status\":202", "\"status\":400", "event name");
            assertThat(first.events().awaitPublished(2, Duration.ofSeconds(10))).extracting(SseEvent::event)
                .containsExactly("notif", "crud.delete");
            assertThat(second.events().awaitPublished(1, Duration.ofSeconds(10))).extracting(SseEvent::data)
                .containsExactly("{\"model\":\"Task\",\"id\":3}");
        }
        Result allAppended = php("publish-batch", "46", "notif", "{\"unread\":2}", "47", "notif", "{\"unread\":3}");
        assertThat(allAppended.exit()).as(allAppended.errors()).isZero();
    }

    @Test
    void aPublishIdReusedWithOtherDataForSomeUsersNamesThemAndTheIdsOfTheOthers() throws Exception {
        assertThat(php("publish-redis", "50", "notif", "{\"n\":1}", "reused").exit()).isZero();
        Result partly = php("publish-redis", "50,51", "notif", "{\"n\":2}", "reused");

        assertThat(partly.exit()).isEqualTo(1);
        assertThat(partly.errors()).contains("refused users 50", "appended for {\"51\":\"");
        assertThat(redis.commands().xlen("hub:{51}:events")).isEqualTo(1);
    }

    @Test
    void aBatchPublicationWithoutDataIsRefusedBeforeItIsSent() throws Exception {
        Result missing = run(List.of("php", "-r", "require '" + EXAMPLES.resolve("LiveHub.php") + "';"
                + "(new LiveHub('', 'hub'))->publishHttpBatch('http://127.0.0.1:1', 't', "
                + "[['users' => ['1'], 'event' => 'notif']]);"));
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.output() + missing.errors()).contains("a publication needs 'data'");
    }

    @Test
    void phpIsToldWhatIsWrongWhenTheHubRefuses() throws Exception {
        Result viaRedis = php("publish-redis", "42", "Not An Event", "{}");
        Result viaHttp = php("publish-http", "42", "Not An Event", "{}");

        assertThat(viaRedis.exit()).isEqualTo(1);
        assertThat(viaRedis.errors()).contains("hub_publish: the event name 'Not An Event'");
        assertThat(viaHttp.exit()).isEqualTo(1);
        assertThat(viaHttp.errors()).contains("answered 400", "event name");
    }

    private SseClient streamWithPhpToken(String user) throws Exception {
        Result token = php("token", user);
        assertThat(token.exit()).as(token.errors()).isZero();
        SseClient browser = SseClient.open("http://localhost:" + port + "/stream/app", Map.of("Cookie",
                "hub_token=" + token.output()));
        assertThat(browser.status()).as(browser.errorBody()).isEqualTo(200);
        browser.events().awaitFirst("ready", Duration.ofSeconds(10));
        return browser;
    }

    private Result php(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("php", EXAMPLES.resolve("livehub-cli.php").toString()));
        command.addAll(List.of(args));
        return run(command, Map.of("HUB_TOKEN_SECRET", SECRET, "HUB_PUBLISH_TOKEN", PUBLISH_TOKEN,
                "REDIS_URL", "tcp://" + redis.host() + ":" + redis.port(), "HUB_URL", "http://127.0.0.1:" + port));
    }

    private static Result run(List<String> command) throws Exception {
        return run(command, Map.of());
    }

    static Result run(List<String> command, Map<String, String> environment) throws Exception {
        Path errors = Files.createTempFile("php", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(errors.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("php did not finish within 30 s: " + command);
            }
            return new Result(process.exitValue(), output, Files.readString(errors));
        }
        finally {
            Files.deleteIfExists(errors);
        }
    }

    record Result(int exit, String output, String errors) {
    }
}
