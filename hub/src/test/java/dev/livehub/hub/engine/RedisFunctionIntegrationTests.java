package dev.livehub.hub.engine;

import java.time.Duration;
import java.util.List;

import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.livehub.hub.Cursor;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.testing.RecordingOutput;
import dev.livehub.hub.testing.RedisServerExtension;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code FCALL hub_publish}, the one call a publisher in any language makes: the hub loads the function at start and
 * again after a drop, it appends exactly as the hub does (connected browsers receive the event), and it refuses what
 * the hub would refuse, with a message.
 */
class RedisFunctionIntegrationTests {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private Hub hub;

    private RedisCommands<String, String> redisCli;

    @BeforeEach
    void startHub() {
        RedisEngine engine = new RedisEngine(RedisClient.create(redis.uri()), new RedisKeys("fn"),
                new StreamSettings(50, Duration.ofHours(1), Duration.ofMinutes(1)), Duration.ofSeconds(5));
        hub = new Hub(engine, HubSettings.defaults(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        redisCli = redis.commands();
        await().atMost(Duration.ofSeconds(10)).until(() -> redisCli.functionList("livehub").size() == 1);
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private String fcall(String key, String... args) {
        return redisCli.fcall("hub_publish", ScriptOutputType.VALUE, new String[] { key }, args);
    }

    @Test
    void oneCallAppendsRingsTheBellAndAppliesTheNodesSettings() {
        RecordingOutput browser = new RecordingOutput();
        hub.connect("42", Cursor.none(), browser);
        browser.events().awaitFirst("ready", Duration.ofSeconds(10));

        String id = fcall("fn:{42}:events", "crud.update", "{\"model\":\"Task\",\"id\":12}");

        SseEvent received = browser.events().awaitPublished(1, Duration.ofSeconds(10)).getFirst();
        assertThat(received).isEqualTo(new SseEvent(id, "crud.update", "{\"model\":\"Task\",\"id\":12}"));
        assertThat(redisCli.pttl("fn:{42}:events")).isBetween(Duration.ofMinutes(59).toMillis(),
                Duration.ofHours(1).toMillis());
        for (int n = 0; n < 400; n++) {
            fcall("fn:{42}:events", "crud.update", "{\"n\":" + n + "}");
        }
        // MAXLEN ~ 50: trimmed by whole nodes of 100 entries, never left to grow.
        assertThat(redisCli.xlen("fn:{42}:events")).isLessThanOrEqualTo(150);
    }

    @Test
    void aUserIdOutsideThePlainCharactersIsPublishedToWithItsEncodedKey() {
        for (String user : List.of("Mary Ann", "josé", "{x}*")) {
            RecordingOutput browser = new RecordingOutput();
            hub.connect(user, Cursor.none(), browser);
            browser.events().awaitFirst("ready", Duration.ofSeconds(10));

            String key = new RedisKeys("fn").stream(user);
            String id = fcall(key, "notif", "{\"unread\":1}");

            assertThat(browser.events().awaitPublished(1, Duration.ofSeconds(10)).getFirst().id()).isEqualTo(id);
        }
        assertThat(redisCli.exists("fn:{Mary%20Ann}:events", "fn:{jos%C3%A9}:events", "fn:{%7Bx%7D%2A}:events"))
            .isEqualTo(3);
    }

    @Test
    void aRepeatedPublishIdIsAppendedOnce() {
        String first = fcall("fn:{7}:events", "notif", "{\"unread\":1}", "order-17-shipped");
        String again = fcall("fn:{7}:events", "notif", "{\"unread\":1}", "order-17-shipped");
        String other = fcall("fn:{7}:events", "notif", "{\"unread\":2}");

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        assertThat(redisCli.xlen("fn:{7}:events")).isEqualTo(2);
    }

    @Test
    void aPublishIdUsedAgainWithOtherDataIsRefusedAndAppendsNothing() {
        String first = fcall("fn:{8}:events", "notif", "{\"unread\":1}", "order-18");

        assertRefused(() -> fcall("fn:{8}:events", "notif", "{\"unread\":2}", "order-18"),
                "publish id 'order-18' was used for another event or data for user '8' (entry " + first + ")");
        assertThat(redisCli.xlen("fn:{8}:events")).isEqualTo(1);
    }

    @Test
    void oneCallWithManyKeysAppendsToEachUserAndAnswersAnIdPerKey() {
        RecordingOutput browser = new RecordingOutput();
        hub.connect("m2", Cursor.none(), browser);
        browser.events().awaitFirst("ready", Duration.ofSeconds(10));
        fcall("fn:{m3}:events", "notif", "{\"unread\":0}", "fan-1-other");
        fcall("fn:{m1}:events", "notif", "{\"unread\":1}", "fan-1");

        List<Object> ids = redisCli.fcall("hub_publish", ScriptOutputType.MULTI,
                new String[] { "fn:{m1}:events", "fn:{m2}:events" }, "notif", "{\"unread\":1}", "fan-1");

        assertThat(ids).hasSize(2);
        assertThat(browser.events().awaitPublished(1, Duration.ofSeconds(10)).getFirst().id()).isEqualTo(ids.get(1));
        assertThat(redisCli.xlen("fn:{m1}:events")).isEqualTo(1);
        assertThat(redisCli.xlen("fn:{m2}:events")).isEqualTo(1);
    }

    @Test
    void whatTheHubWouldRefuseIsRefusedWithAMessage() {
        assertRefused(() -> fcall("fn:42:events", "crud.update", "{}"), "is not a stream key");
        // Another prefix (or another case of it): a stream no node reads.
        assertRefused(() -> fcall("other:{42}:events", "crud.update", "{}"),
                "the key 'other:{42}:events' is not a stream of this hub, whose keys are fn:{<user>}:events");
        assertRefused(() -> fcall("Fn:{42}:events", "crud.update", "{}"), "is not a stream of this hub");
        assertRefused(() -> fcall("fn:{x}:{42}:events", "crud.update", "{}"), "is not a stream of this hub");
        assertRefused(() -> fcall("fn:{a b}:events", "crud.update", "{}"), "the user id 'a b' is not encoded");
        assertRefused(() -> fcall("fn:{a%2}:events", "crud.update", "{}"), "the user id 'a%2'");
        assertRefused(() -> fcall("fn:{%41}:events", "crud.update", "{}"), "is not encoded");
        assertRefused(() -> fcall("fn:{jos%c3%a9}:events", "crud.update", "{}"), "is not encoded");
        assertRefused(() -> fcall("fn:{42}:events", "Crud Update", "{}"), "the event name 'Crud Update'");
        assertRefused(() -> fcall("fn:{42}:events", "reset", "{}"), "the hub's own event name");
        for (String reserved : List.of("error", "open", "message", "status", "signed-out")) {
            assertRefused(() -> fcall("fn:{42}:events", reserved, "{}"), "'" + reserved + "' is reserved");
        }
        assertRefused(() -> fcall("fn:{42}:events", "crud.update", "{not json"), "not valid JSON");
        assertRefused(() -> fcall("fn:{42}:events", "crud.update", "\"" + "x".repeat(70_000) + "\""),
                "at most 65536");
        assertRefused(() -> fcall("fn:{42}:events", "crud.update"), "give the event name and its JSON data");
        // 257 characters, as Publication counts them: one byte each, or four escaped bytes each.
        RedisKeys keys = new RedisKeys("fn");
        assertRefused(() -> fcall(keys.stream("u".repeat(257)), "notif", "{}"), "is not encoded");
        assertRefused(() -> fcall(keys.stream("\uD83D\uDE00".repeat(257)), "notif", "{}"), "is not encoded");
        // Escaped bytes that are not UTF-8 (Latin-1, a surrogate, an overlong form, a lone continuation byte): no
        // stream can belong to such a user.
        for (String user : List.of("jos%E9", "a%ED%A0%80", "%C0%80", "%80", "%F5%80%80%80", "%80".repeat(1024))) {
            assertRefused(() -> fcall("fn:{" + user + "}:events", "notif", "{}"), "is not encoded");
        }
        assertRefused(() -> fcall("fn:{42}:events", "notif", "{}", "x".repeat(65)), "a publish id has 1 to 64");
        assertThat(redisCli.exists("fn:{42}:events")).isZero();
        assertThat(fcall(keys.stream("\uD83D\uDE00".repeat(256)), "notif", "{}")).matches("[0-9]+-[0-9]+");
    }

    @Test
    void aRedisThatForgotTheFunctionGetsItBackWhenTheNodeReconnects() {
        RecordingOutput browser = new RecordingOutput();
        hub.connect("9", Cursor.none(), browser);
        browser.events().awaitFirst("ready", Duration.ofSeconds(10));
        // What a Redis restarted without persistence looks like to the function: gone.
        redisCli.functionFlush(io.lettuce.core.FlushMode.SYNC);
        assertRefused(() -> fcall("fn:{9}:events", "crud.update", "{}"), "Function not found");

        redisCli.clientKill(KillArgs.Builder.typePubsub());

        await().atMost(Duration.ofSeconds(15)).until(() -> redisCli.functionList("livehub").size() == 1);
        String id = fcall("fn:{9}:events", "crud.update", "{}");
        assertThat(browser.events().awaitPublished(1, Duration.ofSeconds(10)).getFirst().id()).isEqualTo(id);
    }

    private static void assertRefused(Runnable call, String message) {
        assertThatThrownBy(call::run).isInstanceOf(RedisException.class).hasMessageContaining(message);
    }
}
