package dev.livehub.app.outbox;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.livehub.app.AppNode;
import dev.livehub.app.PostgresDatabase;
import dev.livehub.app.tasks.Task;
import dev.livehub.app.tasks.TaskService;
import dev.livehub.app.users.User;
import dev.livehub.app.users.UserRepository;
import dev.livehub.hub.Cursor;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.PublishRetries;
import dev.livehub.hub.testing.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A publication in the outbox that Redis refuses for longer than {@code hub.publish.retry-for} is given up the way
 * {@link PublishRetries} gives up its own, not retried for ever: its row goes, {@code hub.publish.given.up} counts it,
 * one line says so, and its users get a {@code reset} as soon as Redis takes writes again.
 */
@ExtendWith(OutputCaptureExtension.class)
class OutboxGiveUpIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @Test
    void aRowRefusedForRetryForIsGivenUpAndItsUsersAreReset(CapturedOutput output) throws Exception {
        try (PostgresDatabase database = new PostgresDatabase()) {
            Map<String, String> properties = new LinkedHashMap<>(database.properties());
            properties.putAll(Map.of("hub.publish.retry-for", "3s", "hub.outbox.relay-after", "500ms",
                    "hub.outbox.sweep-interval", "200ms", "hub.redis.timeout", "500ms"));
            try (AppNode node = AppNode.onRedis(redis.port(), properties)) {
                Hub hub = node.bean(Hub.class);
                PublishRetries retries = node.bean(PublishRetries.class);
                JdbcClient jdbc = node.bean(JdbcClient.class);
                UserRepository users = node.bean(UserRepository.class);
                TaskService tasks = node.bean(TaskService.class);
                User bob = users.findByUsername("bob").orElseThrow();
                String alice = users.findByUsername("alice").orElseThrow().hubId();
                long taskId = jdbc.sql("SELECT MIN(id) FROM tasks WHERE learner_id = ?")
                    .param(Long.parseLong(alice)).query(Long.class).single();
                EventId before = hub.lastId(alice);

                redis.stopKeepingData();
                new TransactionTemplate(node.bean(PlatformTransactionManager.class)).executeWithoutResult(status -> {
                    Task current = tasks.get(bob, taskId);
                    tasks.update(bob, taskId, "while Redis is down", current.state(), current.version());
                });
                assertThat(rows(jdbc)).as("the publications wait in the outbox").isPositive();

                // Past retry-for the rows go, counted, and their users are owed a reset: not retried for ever.
                await().atMost(WAIT).until(() -> rows(jdbc) == 0);
                assertThat(retries.givenUp()).isPositive();
                assertThat(retries.owed()).isPositive();
                assertThat(node.bean(MeterRegistry.class).get("hub.publish.given.up").functionCounter().count())
                    .isEqualTo(retries.givenUp());
                Thread.sleep(1_000);
                assertThat(output.getAll().split("\n")).as("logged once, not once per sweep")
                    .filteredOn(line -> line.contains("publications in the outbox that the store refused")).hasSize(1);

                // Redis back: alice's stream gets a reset, so her pages reload what the lost event changed.
                redis.startAgain();
                await().atMost(WAIT).until(() -> retries.owed() == 0);
                List<HubEvent> after = hub.poll(alice, Cursor.after(before), 100).events();
                assertThat(after).extracting(HubEvent::event).contains("reset");
                // A command Lettuce held while Redis was away may still be applied when it returns (as with a 503 that
                // Redis applies later): given up means "not sure", so the reset comes, and the event at most once.
                assertThat(after).extracting(HubEvent::data).filteredOn(data -> data.contains("while Redis is down"))
                    .hasSizeLessThanOrEqualTo(1);
                assertThat(rows(jdbc)).isZero();
            }
        }
    }

    private static long rows(JdbcClient jdbc) {
        return jdbc.sql("SELECT COUNT(*) FROM hub_outbox").query(Long.class).single();
    }
}
