package dev.livehub.ops;

import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

import dev.livehub.hub.Cursor;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.Publication;
import dev.livehub.hub.engine.RedisEngine;
import dev.livehub.hub.engine.RedisKeys;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.RecordingOutput;
import dev.livehub.hub.testing.RedisServerExtension;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * hubctl against a real redis-server and a running hub node (the hub on its Redis engine, with a connected client).
 */
class HubctlIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static final AtomicInteger prefixes = new AtomicInteger();

    private final String prefix = "ops" + prefixes.incrementAndGet();

    private Hub hub;

    @BeforeEach
    void startNode() {
        // Named as the hub's auto-configuration names a node's connections.
        io.lettuce.core.RedisURI uri = io.lettuce.core.RedisURI.create(redis.uri());
        uri.setClientName("hub-node:ops-test");
        hub = new Hub(new RedisEngine(RedisClient.create(uri), new RedisKeys(prefix),
                StreamSettings.defaults(), Duration.ofSeconds(5)), HubSettings.defaults(), new SimpleMeterRegistry());
    }

    @AfterEach
    void stopNode() {
        hub.close();
        Io.stdin = () -> new BufferedReader(new java.io.InputStreamReader(System.in));
    }

    record Run(int exit, String out, String err) {
    }

    private Run hubctl(String... args) {
        return hubctlWithInput("", args);
    }

    private Run hubctlWithInput(String input, String... args) {
        Io.stdin = () -> new BufferedReader(new StringReader(input));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = Hubctl.commandLine();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("--redis", redis.uri(), "--prefix", prefix));
        all.addAll(List.of(args));
        int exit = line.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    private EventId publish(String user, String event, String json) {
        return hub.publish(List.of(user), Publication.of(event, json)).get(user);
    }

    @Test
    void inspectShowsWhatTheHubPublishedAsATableAndAsJsonLines() {
        EventId first = publish("42", "crud.update", "{\"model\":\"Task\",\"id\":12}");
        publish("42", "notif", "{\"unread\":3}");
        Run table = hubctl("inspect", "42");
        assertThat(table.exit()).isZero();
        assertThat(table.out()).contains(first.toString()).contains("crud.update")
            .contains("{\"model\":\"Task\",\"id\":12}").contains("2 entries");
        Run json = hubctl("inspect", "42", "--json", "--event", "notif");
        assertThat(json.out().strip()).isEqualTo(
                "{\"id\":\"" + json.out().replaceAll("(?s).*\"id\":\"([^\"]+)\".*", "$1") + "\",\"event\":\"notif\","
                        + "\"data\":\"{\\\"unread\\\":3}\"}");
        assertThat(hubctl("inspect", "42", "--from", first.toString(), "--count", "1").out()).contains("1 entries");
    }

    @Test
    void tailFollowsNewEntriesLiveAfterTheHistorySinceFrom() throws Exception {
        EventId before = publish("7", "crud.create", "{\"n\":1}");
        publish("7", "crud.update", "{\"n\":2}");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> tail = CompletableFuture.supplyAsync(() -> {
            CommandLine line = Hubctl.commandLine();
            line.setOut(new PrintWriter(out, true));
            line.setErr(new PrintWriter(err, true));
            return line.execute("--redis", redis.uri(), "--prefix", prefix, "tail", "7", "--from", before.toString(),
                    "--for", "4000");
        });
        await().atMost(WAIT).until(() -> err.toString().contains("following user 7"));
        publish("7", "crud.delete", "{\"n\":3}");
        await().atMost(WAIT).until(() -> out.toString().contains("{\"n\":3}"));
        assertThat(tail.get()).isZero();
        List<String> lines = out.toString().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("crud.update").contains("{\"n\":2}");
        assertThat(lines.get(1)).contains("crud.delete").contains("{\"n\":3}");
    }

    @Test
    void replayMakesAConnectedClientReceiveTheEntriesAgain() {
        EventId first = publish("9", "crud.update", "{\"model\":\"Task\",\"id\":1}");
        publish("9", "notif", "{\"unread\":1}");
        RecordingOutput browser = new RecordingOutput();
        hub.connect("9", Cursor.none(), browser);
        browser.events().awaitFirst("ready", WAIT);

        Run dry = hubctl("replay", "9", "--from", first.toString(), "--dry-run");
        assertThat(dry.exit()).isZero();
        assertThat(dry.out()).contains("2 entries would be replayed");
        Run refused = hubctlWithInput("n\n", "replay", "9", "--from", first.toString());
        assertThat(refused.exit()).isEqualTo(Hubctl.NOT_CONFIRMED);
        assertThat(refused.err()).contains("not confirmed");
        assertThat(browser.events().published()).isEmpty();

        Run replay = hubctlWithInput("y\n", "replay", "9", "--from", first.toString(), "--event", "crud.update");
        assertThat(replay.exit()).as(replay.err()).isZero();
        assertThat(replay.out()).contains("replayed 1 entries");
        SseEvent again = browser.events().awaitPublished(1, WAIT).getFirst();
        assertThat(again.event()).isEqualTo("crud.update");
        assertThat(again.data()).isEqualTo("{\"model\":\"Task\",\"id\":1,\"replayed_from\":\"" + first + "\"}");
        assertThat(EventId.parse(again.id()).isAfter(first)).isTrue();
    }

    @Test
    void exportThenImportIntoAnotherUserRoundTripsTheDataByteForByte() {
        List<String> data = List.of("{\"a\":1}", "{ \"spaced\" : [1, 2] ,\"u\":\"é\\n\\u2028\"}", "\"a string\"",
                "{\"model\":\"Task\",\"fields\":{\"title\":\"line\\r\\nbreak\"}}");
        for (String json : data) {
            publish("src", "crud.update", json);
        }
        Run export = hubctl("export", "src");
        assertThat(export.exit()).isZero();
        assertThat(export.err()).contains("exported 4 entries");
        Run imported = hubctlWithInput(export.out(), "import", "dst");
        assertThat(imported.exit()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("imported 4 entries into user dst");
        List<HubEvent> copied = hub.poll("dst", Cursor.after(EventId.ZERO), 100).events();
        assertThat(copied).extracting(HubEvent::data).containsExactlyElementsOf(data);
        assertThat(copied).extracting(HubEvent::event).containsOnly("crud.update");
    }

    @Test
    void aMalformedImportLineIsReportedWithItsNumberAndNothingIsWrittenUnlessSkipBad() {
        String input = "{\"event\":\"crud.update\",\"data\":\"{}\"}\n"
                + "{\"event\":\"crud.update\",\"data\":{}}\n"
                + "not json\n"
                + "{\"event\":\"Bad Name\",\"data\":\"{}\"}\n";
        Run failed = hubctlWithInput(input, "import", "u1");
        assertThat(failed.exit()).isEqualTo(2);
        assertThat(failed.err()).contains("line 2:").contains("'data' is a string").contains("nothing was imported");
        assertThat(hub.poll("u1", Cursor.after(EventId.ZERO), 10).events()).isEmpty();

        Run skipped = hubctlWithInput(input, "import", "u1", "--skip-bad");
        assertThat(skipped.exit()).isZero();
        assertThat(skipped.err()).contains("skipped line 2").contains("skipped line 3").contains("skipped line 4");
        assertThat(skipped.out()).contains("imported 1 entries").contains("3 lines skipped");
        assertThat(hub.poll("u1", Cursor.after(EventId.ZERO), 10).events()).hasSize(1);
    }

    @Test
    void afterATrimAResumeWithAnOldCursorGetsReset() {
        EventId old = publish("5", "crud.update", "{\"n\":0}");
        for (int n = 1; n <= 10; n++) {
            publish("5", "crud.update", "{\"n\":" + n + "}");
        }
        Run trim = hubctl("trim", "5", "--maxlen", "3", "--yes");
        assertThat(trim.exit()).as(trim.err()).isZero();
        assertThat(trim.out()).contains("removed 8 entries");
        RecordingOutput browser = new RecordingOutput();
        hub.connect("5", Cursor.after(old), browser);
        assertThat(browser.events().awaitFirst("reset", WAIT).data()).contains("trimmed");

        assertThat(hubctl("trim", "5", "--older-than", "1h", "--yes").out()).contains("removed 0 entries");
        assertThat(hubctl("trim", "5", "--older-than", "soon", "--yes").err()).contains("30m, 2h, 7d");
        assertThat(hubctl("trim", "5", "--yes").exit()).isEqualTo(2);
    }

    @Test
    void deleteAsksThenRemovesTheStreamAndResumesGetReset() {
        EventId id = publish("6", "crud.update", "{}");
        assertThat(hubctl("delete", "6").exit()).isEqualTo(Hubctl.NOT_CONFIRMED);
        Run deleted = hubctlWithInput("yes\n", "delete", "6");
        assertThat(deleted.exit()).isZero();
        assertThat(redis.commands().exists(new RedisKeys(prefix).stream("6"))).isZero();
        assertThat(hub.poll("6", Cursor.after(id), 10).reset()).isTrue();
    }

    @Test
    void publishAppendsOneEventAndConnectedClientsReceiveIt() {
        RecordingOutput browser = new RecordingOutput();
        hub.connect("8", Cursor.none(), browser);
        browser.events().awaitFirst("ready", WAIT);
        Run run = hubctl("publish", "8", "notif", "{\"unread\":5}");
        assertThat(run.exit()).as(run.err()).isZero();
        SseEvent received = browser.events().awaitPublished(1, WAIT).getFirst();
        assertThat(received.id()).isEqualTo(run.out().strip());
        assertThat(received.data()).isEqualTo("{\"unread\":5}");
    }

    @Test
    void aUserIdWithSpacesOrAccentsIsOneStreamForTheHubAndForHubctl() {
        for (String user : List.of("Mary Ann", "josé")) {
            RecordingOutput browser = new RecordingOutput();
            hub.connect(user, Cursor.none(), browser);
            browser.events().awaitFirst("ready", WAIT);
            Run run = hubctl("publish", user, "notif", "{\"unread\":1}");
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(browser.events().awaitPublished(1, WAIT).getFirst().id()).isEqualTo(run.out().strip());
            assertThat(hubctl("inspect", user).out()).contains("{\"unread\":1}");
        }
        assertThat(hubctl("users", "--match", "Mary *").out()).contains("Mary Ann").doesNotContain("josé");
        assertThat(hubctl("users", "--match", "jos*").out()).contains("josé");
    }

    @Test
    void everyErrorHasItsMessageAndExitCode() {
        Run unreachable = new HubctlIntegrationTests().hubctlAt("redis://127.0.0.1:1", "users");
        assertThat(unreachable.exit()).isEqualTo(Hubctl.UNREACHABLE);
        assertThat(unreachable.err()).contains("cannot reach Redis at redis://127.0.0.1:1");
        assertThat(unreachable.err()).doesNotContain("\tat ");

        Run unknown = hubctl("inspect", "nobody");
        assertThat(unknown.exit()).isEqualTo(Hubctl.NOT_FOUND);
        assertThat(unknown.err()).contains("user nobody has no stream");

        Run badId = hubctl("inspect", "42", "--from", "12-x");
        assertThat(badId.exit()).isEqualTo(2);
        assertThat(badId.err()).contains("an event id looks like 1700000000000-0");

        for (String id : java.util.List.of("-1-0", "*", "$", "+", "", "99999999999999999999-0", "1-2-3", "x".repeat(10_000))) {
            for (String[] command : java.util.List.of(new String[] { "inspect", "42", "--from", id },
                    new String[] { "replay", "42", "--from", id, "--dry-run" },
                    new String[] { "trim", "42", "--minid", id, "--yes" })) {
                Run bad = hubctl(command);
                String shown = String.join(" ", command).replace("x".repeat(10_000), "x*10000");
                assertThat(bad.exit()).as(shown).isEqualTo(2);
                assertThat(bad.err()).as(shown).contains("event id").doesNotContain("\tat ")
                    .doesNotContain("x".repeat(200));
            }
        }

        assertThat(hubctl("publish", "8", "Bad Name", "{}").err()).contains("[a-z0-9._-]{1,64}");
        Run badJson = hubctl("publish", "8", "notif", "{oops");
        assertThat(badJson.exit()).isEqualTo(2);
        assertThat(badJson.err()).contains("the data is not JSON");
        // As POST /hub/publish: a key twice is refused, and 1e400 is stored byte for byte.
        Run twice = hubctl("publish", "8", "notif", "{\"a\":1,\"a\":2}");
        assertThat(twice.exit()).isEqualTo(2);
        assertThat(twice.err()).contains("a key twice");
        Run huge = hubctl("publish", "8", "notif", "1e400");
        assertThat(huge.exit()).as(huge.err()).isZero();
        assertThat(hub.poll("8", Cursor.after(EventId.ZERO), 100).events()).extracting(HubEvent::data)
            .containsExactly("1e400");
        assertThat(hubctl("publish", "u".repeat(300), "notif", "{}").err()).contains("a user id has 1 to 256");
        assertThat(hubctl("--redis", "not a url", "users").exit()).isEqualTo(2);
        // Conflicting or negative counts are refused, not read as something else.
        Run lastAndCount = hubctl("inspect", "8", "--last", "2", "--count", "1");
        assertThat(lastAndCount.exit()).isEqualTo(2);
        assertThat(lastAndCount.err()).contains("give --last or --count, not both");
        Run negative = hubctl("users", "--limit", "-1");
        assertThat(negative.exit()).isEqualTo(2);
        assertThat(negative.err()).contains("--limit takes 0 (all) or more, got -1");
        // A usage error is one line and where to read more, not the whole help.
        Run garbage = hubctl("inspect", "8", "--from", "garbage");
        assertThat(garbage.exit()).isEqualTo(2);
        assertThat(garbage.err().lines()).hasSize(2);
        assertThat(garbage.err()).contains("event id").contains("see 'hubctl inspect --help'")
            .doesNotContain("Exit codes");
        assertThat(hubctl("frobnicate").exit()).isEqualTo(2);
    }

    private Run hubctlAt(String uri, String... args) {
        List<String> all = new ArrayList<>(List.of("--redis", uri));
        all.addAll(List.of(args));
        HubctlRun run = HubctlRun.of(all.toArray(String[]::new));
        return new Run(run.exit(), run.out(), run.err());
    }

    @Test
    void usersFindsAndCountsTenThousandStreamsWithProgress() throws Exception {
        RedisKeys keys = new RedisKeys(prefix);
        try (RedisClient client = RedisClient.create(redis.uri());
                StatefulRedisConnection<String, String> connection = client.connect()) {
            List<RedisFuture<String>> adds = new ArrayList<>();
            for (int user = 0; user < 10_000; user++) {
                adds.add(connection.async().xadd(keys.stream("u" + user), Map.of("event", "notif", "data", "{}")));
            }
            for (RedisFuture<String> add : adds) {
                add.get();
            }
        }
        Run users = hubctl("users", "--limit", "5");
        assertThat(users.exit()).isZero();
        assertThat(users.out()).contains("10000 users (5 shown; --limit 0 for all)");
        assertThat(users.out().lines().filter(line -> line.startsWith("u"))).hasSize(5);
        assertThat(users.err()).contains("10000 streams scanned");
        assertThat(hubctl("users", "--match", "u999*", "--limit", "0").out()).contains("11 users");

        RecordingOutput browser = new RecordingOutput();
        hub.connect("u1", Cursor.none(), browser);
        browser.events().awaitFirst("ready", WAIT);
        Run stats = hubctl("stats", "--json");
        assertThat(stats.exit()).isZero();
        assertThat(stats.out()).contains("\"streams\":10000").contains("\"entries\":10000")
            .contains("\"name\":\"hub-node:ops-test\"").contains("\"bells\":\"1\"");
    }
}
