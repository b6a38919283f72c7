package dev.livehub.app.outbox;

import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.livehub.app.tasks.Task;
import dev.livehub.app.tasks.TaskService;
import dev.livehub.app.users.User;
import dev.livehub.app.users.UserRepository;
import dev.livehub.hub.Cursor;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.Publication;
import dev.livehub.hub.outbox.JdbcOutbox;

import static org.assertj.core.api.Assertions.assertThat;

/** The outbox in the app (H2, memory engine): what a transaction writes, what a rollback writes, what a sweep does. */
@SpringBootTest(properties = { "app.demo-users=true", "hub.outbox.relay-after=0s", "hub.outbox.sweep-interval=1h" })
class OutboxTests {

    @Autowired
    Hub hub;

    @Autowired
    JdbcOutbox outbox;

    @Autowired
    TaskService tasks;

    @Autowired
    UserRepository users;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    PlatformTransactionManager transactions;

    User bob;

    String alice;

    long task;

    EventId start;

    @BeforeEach
    void setUp() {
        bob = users.findByUsername("bob").orElseThrow();
        alice = users.findByUsername("alice").orElseThrow().hubId();
        task = jdbc.sql("SELECT MIN(id) FROM tasks WHERE learner_id = ?").param(Long.parseLong(alice))
            .query(Long.class).single();
        start = hub.lastId(alice);
    }

    private List<String> eventsSinceStart() {
        return hub.poll(alice, Cursor.after(start), 100).events().stream().map(HubEvent::data).toList();
    }

    private long rowsInOutbox() {
        return jdbc.sql("SELECT COUNT(*) FROM hub_outbox").query(Long.class).single();
    }

    @Test
    void aChangeIsAppendedAtCommitAndLeavesNothingInTheOutbox() {
        new TransactionTemplate(transactions).executeWithoutResult(status -> {
            Task current = tasks.get(bob, task);
            tasks.update(bob, task, "committed", current.state(), current.version());
            assertThat(rowsInOutbox()).as("written in the transaction").isPositive();
            assertThat(eventsSinceStart()).as("not before commit").isEmpty();
        });
        assertThat(eventsSinceStart()).anyMatch(data -> data.contains("\"title\":\"committed\""));
        assertThat(rowsInOutbox()).isZero();
    }

    @Test
    void aRolledBackChangeWritesAndPublishesNothing() {
        new TransactionTemplate(transactions).executeWithoutResult(status -> {
            Task current = tasks.get(bob, task);
            tasks.update(bob, task, "rolled back", current.state(), current.version());
            status.setRollbackOnly();
        });
        assertThat(rowsInOutbox()).isZero();
        assertThat(eventsSinceStart()).isEmpty();
    }

    @Test
    void whatANodeLeftIsAppendedByASweepOnceEvenWhenItHadAppendedIt() {
        // Left by a node that died: one after its append (before deleting the row), one before.
        leaveRow("left-appended", "{\"n\":1}");
        hub.publish(List.of(alice), new Publication("notif", "{\"n\":1}", "left-appended"));
        leaveRow("left-pending", "{\"n\":2}");

        assertThat(outbox.relayDue()).isEqualTo(2);

        assertThat(eventsSinceStart()).containsExactly("{\"n\":1}", "{\"n\":2}");
        assertThat(rowsInOutbox()).isZero();
        assertThat(outbox.relayDue()).isZero();
    }

    private void leaveRow(String publishId, String data) {
        jdbc.sql("INSERT INTO hub_outbox (publish_id, users, event, data, created_ms, attempt_ms) "
                + "VALUES (?, ?, 'notif', ?, 0, 0)")
            .params(publishId, alice, data)
            .update();
    }
}
