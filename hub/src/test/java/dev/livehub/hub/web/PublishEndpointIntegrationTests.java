package dev.livehub.hub.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.livehub.hub.Hub;
import dev.livehub.hub.starter.StarterApplication;
import dev.livehub.hub.testing.RedisServerExtension;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.SseEvent;
import dev.livehub.hub.testing.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code POST /hub/publish} and {@code /hub/publish/batch} over real HTTP, on a real Redis: every answer names the
 * publication's publish id (a 503 too), a retry is appended once, a publish id reused with other content is a 409,
 * the answer says per user what was appended and what not and why (the store is full), the caller's JSON reaches the
 * browser byte for byte, and names that EventSource or app-stream.js use themselves are refused.
 */
@SpringBootTest(classes = StarterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "hub.token.secret=" + PublishEndpointIntegrationTests.SECRET, "hub.publish.token=publish-secret",
                "hub.redis.prefix=pubhttp", "hub.redis.timeout=2s" })
class PublishEndpointIntegrationTests {

    static final String SECRET = "publish-tests-secret-of-32-bytes!!";

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final JsonMapper JSON = new JsonMapper();

    @LocalServerPort
    int port;

    @Autowired
    Hub hub;

    /** The port publishers are sent to: the servlet container's here. */
    protected int publishPort() {
        return port;
    }

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        redis.useForTheHub(registry);
    }

    private HttpResponse<String> post(String path, byte[] body) throws Exception {
        return post(path, body, "application/json");
    }

    private HttpResponse<String> post(String path, byte[] body, String contentType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + publishPort() + path))
            .header("Authorization", "Bearer publish-secret");
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return HTTP.send(request.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> publish(String body) throws Exception {
        return post("/hub/publish", body.getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> batch(String body) throws Exception {
        return post("/hub/publish/batch", body.getBytes(StandardCharsets.UTF_8));
    }

    private SseClient stream(String user) throws Exception {
        SseClient client = SseClient.open("http://localhost:" + port + "/stream/app?token="
                + TestTokens.hs256(SECRET, user, Duration.ofMinutes(5)), Map.of());
        client.events().awaitFirst("ready", Duration.ofSeconds(10));
        return client;
    }

    @Test
    void everyPublicationHasAPublishIdAndARetryWithItIsAppendedOnce() throws Exception {
        HttpResponse<String> first = publish("{\"users\":[\"r1\"],\"event\":\"notif\",\"data\":{\"unread\":1}}");
        assertThat(first.statusCode()).isEqualTo(202);
        JsonNode answer = JSON.readTree(first.body());
        String publishId = answer.path("publish_id").asString();
        assertThat(publishId).isNotBlank();

        HttpResponse<String> retry = publish("{\"users\":[\"r1\",\"r2\"],\"event\":\"notif\",\"data\":{\"unread\":1},"
                + "\"publish_id\":\"" + publishId + "\"}");

        JsonNode again = JSON.readTree(retry.body());
        assertThat(retry.statusCode()).isEqualTo(202);
        assertThat(again.path("ids").path("r1").asString()).isEqualTo(answer.path("ids").path("r1").asString());
        assertThat(again.path("ids").has("r2")).isTrue();
        assertThat(redis.commands().xlen("pubhttp:{r1}:events")).isEqualTo(1);
    }

    @Test
    void aPublishAnswered503ThatRedisAppliesLaterIsNotDuplicatedByItsRetry() throws Exception {
        try (SseClient browser = stream("late")) {
            redis.freeze();
            HttpResponse<String> timedOut;
            try {
                timedOut = publish("{\"users\":[\"late\"],\"event\":\"notif\",\"data\":{\"unread\":7}}");
            }
            finally {
                redis.unfreeze();
            }
            assertThat(timedOut.statusCode()).isEqualTo(503);
            JsonNode refused = JSON.readTree(timedOut.body());
            assertThat(refused.path("error").asString()).isEqualTo("store_unavailable");
            String publishId = refused.path("publish_id").asString();
            assertThat(publishId).isNotBlank();
            // Redis runs the command it held once it thaws: the event is delivered although the answer was a 503.
            SseEvent late = browser.events().awaitPublished(1, Duration.ofSeconds(10)).getFirst();

            HttpResponse<String> retried = publish("{\"users\":[\"late\"],\"event\":\"notif\","
                    + "\"data\":{\"unread\":7},\"publish_id\":\"" + publishId + "\"}");

            assertThat(retried.statusCode()).isEqualTo(202);
            assertThat(JSON.readTree(retried.body()).path("ids").path("late").asString()).isEqualTo(late.id());
            assertThat(redis.commands().xlen("pubhttp:{late}:events")).isEqualTo(1);
            assertThat(browser.events().published()).hasSize(1);
        }
    }

    @Test
    void aPublishIdReusedWithOtherContentIsA409ThatSaysForWhom() throws Exception {
        publish("{\"users\":[\"c1\"],\"event\":\"notif\",\"data\":{\"unread\":1},\"publish_id\":\"order-9\"}");

        HttpResponse<String> reused = publish("{\"users\":[\"c1\",\"c2\"],\"event\":\"notif\",\"data\":{\"unread\":2},"
                + "\"publish_id\":\"order-9\"}");

        assertThat(reused.statusCode()).isEqualTo(409);
        JsonNode answer = JSON.readTree(reused.body());
        assertThat(answer.path("error").asString()).isEqualTo("publish_id_conflict");
        assertThat(answer.path("publish_id").asString()).isEqualTo("order-9");
        assertThat(answer.path("refused").path("c1").path("error").asString()).isEqualTo("publish_id_conflict");
        assertThat(answer.path("ids").has("c2")).isTrue();
        assertThat(redis.commands().xrange("pubhttp:{c1}:events", io.lettuce.core.Range.create("-", "+")))
            .singleElement().satisfies(entry -> assertThat(entry.getBody().get("data")).isEqualTo("{\"unread\":1}"));
    }

    @Test
    void whenTheStoreIsFullTheAnswerIsA503PerUserWithThePublishId() throws Exception {
        var commands = redis.commands();
        commands.configSet("maxmemory-policy", "noeviction");
        commands.configSet("maxmemory", "1");
        HttpResponse<String> refused;
        try {
            refused = publish("{\"users\":[\"f1\",\"f2\"],\"event\":\"notif\",\"data\":{}}");
        }
        finally {
            commands.configSet("maxmemory", "0");
        }
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        JsonNode answer = JSON.readTree(refused.body());
        assertThat(answer.path("error").asString()).isEqualTo("store_full");
        assertThat(answer.path("message").asString()).contains("the store is full", "no user");
        assertThat(answer.path("publish_id").asString()).isNotBlank();
        assertThat(answer.path("refused").path("f1").path("error").asString()).isEqualTo("store_full");
        assertThat(answer.path("refused").path("f2").path("error").asString()).isEqualTo("store_full");

        HttpResponse<String> retried = publish("{\"users\":[\"f1\",\"f2\"],\"event\":\"notif\",\"data\":{},"
                + "\"publish_id\":\"" + answer.path("publish_id").asString() + "\"}");
        assertThat(retried.statusCode()).isEqualTo(202);
        assertThat(commands.xlen("pubhttp:{f1}:events")).isEqualTo(1);
    }

    @Test
    void theCallersJsonReachesTheBrowserByteForByte() throws Exception {
        String data = "{\"empty\":{},\"list\":[],\"nested\":{\"a\":{}},\"big\":1e400,\"exact\":1.50,"
                + "\"lone\":\"\\ud800\",\"text\":\"caf\u00e9 \\u00e9\"}";
        try (SseClient browser = stream("b1")) {
            HttpResponse<String> published = publish("{\"users\":[\"b1\"],\"event\":\"notif\",\"data\":" + data + "}");
            assertThat(published.statusCode()).isEqualTo(202);
            assertThat(publish("{\"users\":[\"b1\"],\"event\":\"notif\",\"data\": \"text\" }").statusCode())
                .isEqualTo(202);
            assertThat(publish("{\"data\":-0.0e-0,\"users\":[\"b1\"],\"event\":\"notif\"}").statusCode())
                .isEqualTo(202);

            List<SseEvent> events = browser.events().awaitPublished(3, Duration.ofSeconds(10));
            assertThat(events).extracting(SseEvent::data).containsExactly(data, "\"text\"", "-0.0e-0");
        }
    }

    @Test
    void jsonABrowserWouldReadDifferentlyIsRefusedWithA400() throws Exception {
        HttpResponse<String> twice = publish("{\"users\":[\"d1\"],\"event\":\"notif\",\"data\":{\"a\":1,\"a\":2}}");
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat(twice.body()).contains("bad_request", "key twice");

        byte[] head = "{\"users\":[\"d1\"],\"event\":\"notif\",\"data\":\"".getBytes(StandardCharsets.UTF_8);
        byte[] surrogate = { (byte) 0xED, (byte) 0xA0, (byte) 0x80 };
        byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + surrogate.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(surrogate, 0, body, head.length, surrogate.length);
        System.arraycopy(tail, 0, body, head.length + surrogate.length, tail.length);
        HttpResponse<String> lone = post("/hub/publish", body);
        assertThat(lone.statusCode()).isEqualTo(400);
        assertThat(lone.body()).contains("not valid UTF-8 at byte " + head.length);
        assertThat(redis.commands().exists("pubhttp:{d1}:events")).isZero();

        // In a batch, the answer says which publication has the key twice; none of the batch is appended.
        HttpResponse<String> inBatch = post("/hub/publish/batch", ("{\"publications\":["
                + "{\"users\":[\"d1\"],\"event\":\"notif\",\"data\":{}},"
                + "{\"users\":[\"d1\"],\"event\":\"notif\",\"data\":{\"a\":1,\"a\":2}}]}")
            .getBytes(StandardCharsets.UTF_8));
        assertThat(inBatch.statusCode()).isEqualTo(400);
        assertThat(inBatch.body()).contains("publication 1 (counted from 0)", "key twice");
        assertThat(redis.commands().exists("pubhttp:{d1}:events")).isZero();
    }

    @Test
    void namesThatEventSourceOrTheClientUseThemselvesAreRefused() throws Exception {
        for (String name : List.of("error", "open", "message", "status", "signed-out", "ready", "reset",
                "compacted", "auth-expired")) {
            HttpResponse<String> refused = publish("{\"users\":[\"n1\"],\"event\":\"" + name + "\",\"data\":{}}");
            assertThat(refused.statusCode()).as(name).isEqualTo(400);
            assertThat(refused.body()).as(name).contains("'" + name + "'");
        }
        assertThat(redis.commands().exists("pubhttp:{n1}:events")).isZero();
    }

    @Test
    void aBatchIsAnsweredPerPublicationInOrder() throws Exception {
        try (SseClient one = stream("batch-1"); SseClient two = stream("batch-2")) {
            HttpResponse<String> response = batch("{\"publications\":["
                    + "{\"users\":[\"batch-1\"],\"event\":\"crud.create\",\"data\":{\"id\":1},\"publish_id\":\"bp-1\"},"
                    + "{\"users\":[\"batch-2\"],\"event\":\"error\",\"data\":{}},"
                    + "{\"users\":[\"batch-2\",\"batch-1\"],\"event\":\"notif\",\"data\":{\"unread\":2}}]}");

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode answer = JSON.readTree(response.body());
            assertThat(answer.path("complete").asBoolean()).isFalse();
            JsonNode results = answer.path("results");
            assertThat(results.size()).isEqualTo(3);
            assertThat(results.get(0).path("status").asInt()).isEqualTo(202);
            assertThat(results.get(0).path("publish_id").asString()).isEqualTo("bp-1");
            assertThat(results.get(1).path("status").asInt()).isEqualTo(400);
            assertThat(results.get(1).path("message").asString()).contains("'error' is reserved");
            assertThat(results.get(2).path("status").asInt()).isEqualTo(202);
            assertThat(results.get(2).path("publish_id").asString()).isNotBlank();

            assertThat(one.events().awaitPublished(2, Duration.ofSeconds(10))).extracting(SseEvent::id)
                .containsExactly(results.get(0).path("ids").path("batch-1").asString(),
                        results.get(2).path("ids").path("batch-1").asString());
            assertThat(two.events().awaitPublished(1, Duration.ofSeconds(10))).extracting(SseEvent::data)
                .containsExactly("{\"unread\":2}");
        }
    }

    @Test
    void aBodyThatIsNoPublicationIsA400ThatSaysWhy() throws Exception {
        Map<String, String> bad = Map.of(
                "not json", "not valid JSON",
                "[]", "JSON object",
                "{\"users\":[],\"event\":\"x\",\"data\":{}}", "non-empty array",
                "{\"users\":[1],\"event\":\"x\",\"data\":{}}", "holds strings, got a number",
                "{\"users\":[\"1\"],\"event\":\"x\"}", "'data' is required",
                "{\"users\":[\"1\"],\"event\":\"x\",\"data\":{},\"extra\":1}", "unknown field 'extra'",
                "{\"users\":[\"1\"],\"event\":\"x\",\"data\":{}} {}", "something follows");
        for (Map.Entry<String, String> body : bad.entrySet()) {
            HttpResponse<String> response = publish(body.getKey());
            assertThat(response.statusCode()).as(body.getKey()).isEqualTo(400);
            assertThat(response.body()).as(body.getKey()).contains(body.getValue());
        }
        HttpResponse<String> batch = batch("{\"publications\":{}}");
        assertThat(batch.statusCode()).isEqualTo(400);
        assertThat(batch.body()).contains("{\\\"publications\\\":[");
    }

    @Test
    void aBodyThatSaysItIsNotJsonIsA415ThatSaysWhatToSend() throws Exception {
        byte[] body = "{\"users\":[\"ct\"],\"event\":\"notif\",\"data\":{}}".getBytes(StandardCharsets.UTF_8);
        for (String type : new String[] { "application/x-www-form-urlencoded", "text/plain", "application/xml" }) {
            HttpResponse<String> refused = post("/hub/publish", body, type);
            assertThat(refused.statusCode()).as(type).isEqualTo(415);
            assertThat(refused.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(refused.body()).as(type).startsWith("{\"error\":\"unsupported_media_type\"")
                .contains("Content-Type: application/json").contains("(got " + type + ")");
        }
        assertThat(post("/hub/publish/batch", "{\"publications\":[]}".getBytes(StandardCharsets.UTF_8), "text/csv")
            .statusCode()).isEqualTo(415);
        for (String type : new String[] { "application/json; charset=UTF-8", "Application/JSON",
                "application/vnd.example+json", "text/json", null }) {
            assertThat(post("/hub/publish", body, type).statusCode()).as(String.valueOf(type)).isEqualTo(202);
        }
    }

    @Test
    void aCompressedOrUtf16BodyIsRefusedAndSaysHowToSendIt() throws Exception {
        HttpResponse<String> gzip = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + publishPort()
                + "/hub/publish"))
            .header("Authorization", "Bearer publish-secret").header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip")
            .POST(HttpRequest.BodyPublishers.ofString("{\"users\":[\"z1\"],\"event\":\"notif\",\"data\":{}}"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(gzip.statusCode()).isEqualTo(415);
        assertThat(gzip.body()).contains("send it uncompressed", "(got gzip)");

        // UTF-16 of ASCII JSON: every other byte is NUL; the parser would guess UTF-16 and read it.
        byte[] utf16 = "{\"users\":[\"z1\"],\"event\":\"notif\",\"data\":1}".getBytes(StandardCharsets.UTF_16LE);
        for (String path : new String[] { "/hub/publish", "/hub/publish/batch" }) {
            HttpResponse<String> refused = post(path, utf16);
            assertThat(refused.statusCode()).as(path).isEqualTo(400);
            assertThat(refused.body()).as(path).contains("not UTF-8: a NUL byte at byte 1", "UTF-16");
        }
        assertThat(redis.commands().exists("pubhttp:{z1}:events")).isZero();
    }

    @Test
    void aPublishIdIsUnicodeTextOfAtMost64Characters() throws Exception {
        String emoji = "\uD83D\uDE00";
        assertThat(publish("{\"users\":[\"p1\"],\"event\":\"notif\",\"data\":{},\"publish_id\":\""
                + emoji.repeat(64) + "\"}").statusCode()).isEqualTo(202);
        HttpResponse<String> lone = publish("{\"users\":[\"p1\"],\"event\":\"notif\",\"data\":{},"
                + "\"publish_id\":\"\\ud800\"}");
        assertThat(lone.statusCode()).isEqualTo(400);
        assertThat(lone.body()).contains("a publish id has 1 to 64 characters");
        assertThat(publish("{\"users\":[\"p1\"],\"event\":\"notif\",\"data\":{},\"publish_id\":\""
                + emoji.repeat(65) + "\"}").statusCode()).isEqualTo(400);
    }

    @Test
    void aPublishWhileRedisHasBeenAwayIsRefusedWithoutWaitingForTheCommandTimeout() throws Exception {
        String body = "{\"users\":[\"gone1\"],\"event\":\"notif\",\"data\":{},\"publish_id\":\"away-1\"}";
        redis.stopKeepingData();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> !hub.isLive());
            // Past the grace a restart of Redis gets, a publish is refused before it is sent: the refusal says so (one
            // that waited in Lettuce's queue says Redis did not answer within the 2 s timeout).
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                HttpResponse<String> refused = publish(body);
                assertThat(refused.statusCode()).isEqualTo(503);
                assertThat(refused.body()).contains("Redis has been unreachable for", "nothing was appended",
                        "\"publish_id\":\"away-1\"");
                assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            });
        }
        finally {
            redis.startAgain();
        }
        await().atMost(Duration.ofSeconds(30)).until(hub::isLive);
        await().atMost(Duration.ofSeconds(10)).until(() -> publish(body).statusCode() == 202);
        assertThat(redis.commands().xlen("pubhttp:{gone1}:events")).isEqualTo(1);
    }

    @Test
    void aStreamOpenedWhileRedisIsAwayIsA503ThatSaysSo() throws Exception {
        redis.stopKeepingData();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> !hub.isLive());
            try (SseClient refused = SseClient.open("http://localhost:" + port + "/stream/app?token="
                    + TestTokens.hs256(SECRET, "away", Duration.ofMinutes(5)), Map.of())) {
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
                assertThat(refused.errorBody()).startsWith("{\"error\":\"store_unavailable\",\"message\":\"the event "
                        + "store is unavailable; retry shortly\"}");
            }
        }
        finally {
            redis.startAgain();
        }
        await().atMost(Duration.ofSeconds(30)).until(hub::isLive);
        try (SseClient back = stream("away")) {
            assertThat(back.status()).isEqualTo(200);
        }
    }

    /**
     * A publisher that sends {@code Expect: 100-continue} with a body over the bound gets the 413 first, never a go-ahead
     * to send a body that is then refused (Tomcat answers 100 before any filter runs unless told to wait for the read:
     * {@code continueResponseTiming=onRead}).
     */
    @Test
    void aPublishOverItsBoundThatWaitsForContinueIsRefusedBeforeAnyGoAhead() throws Exception {
        try (java.net.Socket client = new java.net.Socket("127.0.0.1", publishPort())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(("POST /hub/publish HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer publish-secret\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 20000000\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            StringBuilder statusLine = new StringBuilder();
            for (int b = client.getInputStream().read(); b >= 0 && b != '\n'; b = client.getInputStream().read()) {
                statusLine.append((char) b);
            }
            assertThat(statusLine.toString().trim()).startsWith("HTTP/1.1 413");
        }
    }
}
