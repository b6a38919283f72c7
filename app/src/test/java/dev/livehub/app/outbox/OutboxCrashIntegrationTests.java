package dev.livehub.app.outbox;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.livehub.app.AppNode;
import dev.livehub.app.PostgresDatabase;
import dev.livehub.hub.testing.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14.4: a node killed with SIGKILL right after a commit, before it appended the publication, loses nothing: the
 * publication waits in the outbox of the shared PostgreSQL, and another node (or the same one restarted: a new
 * process on the same database) appends it, once. Every update before it was appended once too.
 */
class OutboxCrashIntegrationTests {

    private static final int UPDATES = 20;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @Test
    void aNodeKilledRightAfterCommitLosesNothingAndAppendsNothingTwice() throws Exception {
        try (PostgresDatabase database = new PostgresDatabase()) {
            Map<String, String> properties = new LinkedHashMap<>(database.properties());
            properties.put("hub.outbox.relay-after", "1s");
            properties.put("hub.outbox.sweep-interval", "200ms");

            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx384m", "-cp", System.getProperty("java.class.path"), CrashingNode.class.getName(),
                    Integer.toString(UPDATES), "--server.port=" + RedisServerExtension.freePort(),
                    "--app.demo-users=true", "--hub.engine=redis", "--spring.data.redis.host=127.0.0.1",
                    "--spring.data.redis.port=" + redis.port()));
            properties.forEach((key, value) -> command.add("--" + key + "=" + value));
            Process node = new ProcessBuilder(command).redirectErrorStream(true).start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    out.lines().forEach(lines::add);
                }
                catch (java.io.IOException ex) {
                    // The process is gone.
                }
            });
            List<String> seen = new ArrayList<>();
            try {
                String committed = null;
                long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                while (committed == null && System.nanoTime() < deadline && (node.isAlive() || !lines.isEmpty())) {
                    String line = lines.poll(1, TimeUnit.SECONDS);
                    if (line != null) {
                        seen.add(line);
                        committed = line.startsWith("COMMITTED ") ? line : null;
                    }
                }
                assertThat(committed).as("the node's output: %s", String.join("\n", seen)).isNotNull();
            }
            finally {
                // SIGKILL: no shutdown hook, no after-commit work, nothing flushed.
                node.destroyForcibly();
                node.waitFor();
            }

            String alice = queryOne(database, "SELECT id FROM users WHERE username = 'alice'");
            String title = "outbox-" + UPDATES;
            assertThat(queryOne(database, "SELECT COUNT(*) FROM tasks WHERE title = '" + title + "'"))
                .as("the last update was committed").isEqualTo("1");
            assertThat(titlesIn(alice)).as("and not appended before the node died").doesNotContain(title)
                .contains("outbox-" + (UPDATES - 1));
            assertThat(queryOne(database, "SELECT COUNT(*) FROM hub_outbox")).isNotEqualTo("0");

            try (AppNode other = AppNode.onRedis(redis.port(), properties)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> titlesIn(alice).contains(title)
                        && queryOne(database, "SELECT COUNT(*) FROM hub_outbox").equals("0"));
            }
            List<String> expected = new ArrayList<>();
            for (int n = 1; n <= UPDATES; n++) {
                expected.add("outbox-" + n);
            }
            List<String> titles = titlesIn(alice);
            System.out.printf("outbox crash: %d updates committed, %d appended to alice's stream (lost %d, twice %d)%n",
                    UPDATES, titles.size(), expected.stream().filter(t -> !titles.contains(t)).count(),
                    titles.size() - titles.stream().distinct().count());
            assertThat(titles).as("each committed update once, none lost").containsExactlyElementsOf(expected);
        }
    }

    /** The titles of the Task updates in a user's stream, in stream order. */
    private static List<String> titlesIn(String user) {
        List<String> titles = new ArrayList<>();
        for (StreamMessage<String, String> entry : redis.commands().xrange("hub:{" + user + "}:events",
                Range.create("-", "+"))) {
            if ("crud.update".equals(entry.getBody().get("event"))) {
                JsonNode title = JSON.readTree(entry.getBody().get("data")).path("fields").path("title");
                if (title.isString() && title.asString().startsWith("outbox-")) {
                    titles.add(title.asString());
                }
            }
        }
        return titles;
    }

    private static String queryOne(PostgresDatabase database, String sql) throws Exception {
        Map<String, String> properties = database.properties();
        try (Connection connection = DriverManager.getConnection(properties.get("spring.datasource.url"),
                properties.get("spring.datasource.username"), properties.get("spring.datasource.password"));
                Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }
}
