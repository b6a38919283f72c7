package dev.livehub.hub;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

import dev.livehub.hub.admission.HubUserResolver;
import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.web.RequestOrigin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link CrudBus}: publishes after commit inside a Spring transaction, never after a rollback, at once outside one,
 * and refuses bad arguments at the call.
 */
@org.junit.jupiter.api.extension.ExtendWith(org.springframework.boot.test.system.OutputCaptureExtension.class)
class CrudBusTests {

    private final Hub hub = new Hub(new MemoryEngine(StreamSettings.defaults()), HubSettings.defaults(),
            new SimpleMeterRegistry());

    private final CrudBus bus = new CrudBus(hub, new JsonMapper(),
            new dev.livehub.hub.autoconfigure.TransactionAfterCommitAccess().afterCommit());

    /** Spring's real transaction machinery over no resource: synchronizations run as with any database. */
    private final TransactionTemplate transactions = new TransactionTemplate(new AbstractPlatformTransactionManager() {
        @Override
        protected Object doGetTransaction() {
            return new Object();
        }

        @Override
        protected void doBegin(Object transaction, TransactionDefinition definition) {
        }

        @Override
        protected void doCommit(DefaultTransactionStatus status) {
        }

        @Override
        protected void doRollback(DefaultTransactionStatus status) {
        }
    });

    @AfterEach
    void close() {
        hub.close();
    }

    private List<HubEvent> streamOf(String user) {
        return hub.poll(user, Cursor.after(EventId.ZERO), 100).events();
    }

    @Test
    void outsideATransactionItPublishesAtOnceAsJson() {
        bus.publishToUsers(List.of("7", "8"), "crud.update",
                Map.of("model", "Task", "id", 12, "fields", Map.of("state", "done")));
        assertThat(streamOf("7")).singleElement().satisfies(event -> {
            assertThat(event.event()).isEqualTo("crud.update");
            assertThat(event.data()).contains("\"model\":\"Task\"").contains("\"id\":12")
                .contains("\"fields\":{\"state\":\"done\"}");
        });
        assertThat(streamOf("8")).hasSize(1);
    }

    @Test
    void insideATransactionItPublishesOnlyAfterCommit() {
        transactions.executeWithoutResult(status -> {
            bus.publishToUsers(List.of("7"), "crud.create", Map.of("model", "Task", "id", 1));
            assertThat(streamOf("7")).as("not before commit").isEmpty();
        });
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(streamOf("7")).hasSize(1));
    }

    @Test
    void afterCommitPublicationsKeepTheirOrder() {
        for (int n = 0; n < 50; n++) {
            int seq = n;
            transactions.executeWithoutResult(status -> bus.publishToUsers(List.of("7"), "crud.update",
                    Map.of("seq", seq)));
        }
        bus.publishToUsers(List.of("7"), "crud.update", Map.of("seq", 50));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(streamOf("7")).hasSize(51));
        assertThat(streamOf("7")).extracting(HubEvent::data)
            .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(0, 50)
                .mapToObj(n -> "{\"seq\":" + n + "}").toList());
    }

    @Test
    void anyUserIdIsPublishedToAndNothingAfterCommitFailsTheTransaction() {
        transactions.executeWithoutResult(status -> bus.publishToUsers(List.of("Mary Ann", "josé", "7"),
                "crud.update", Map.of("id", 1)));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(streamOf("Mary Ann")).hasSize(1);
            assertThat(streamOf("josé")).hasSize(1);
        });

        AfterCommit afterCommit = new dev.livehub.hub.autoconfigure.TransactionAfterCommitAccess().afterCommit();
        transactions.executeWithoutResult(status -> afterCommit.run(() -> {
            throw new IllegalStateException("the store exploded");
        }));
    }

    @Test
    void aRolledBackTransactionPublishesNothing() {
        transactions.executeWithoutResult(status -> {
            bus.publishToUsers(List.of("7"), "crud.delete", Map.of("model", "Task", "id", 1));
            status.setRollbackOnly();
        });
        assertThat(streamOf("7")).isEmpty();
    }

    @Test
    void aPublishIdOfTheCallersIsAppendedOnceAndItsReuseWithOtherContentIsNot() {
        bus.publishToUsers(List.of("7"), "notif", Map.of("unread", 1), "order-17-shipped");
        bus.publishToUsers(List.of("7", "8"), "notif", Map.of("unread", 1), "order-17-shipped");
        bus.publishToUsers(List.of("7"), "notif", Map.of("unread", 2), "order-17-shipped");

        assertThat(streamOf("7")).extracting(HubEvent::data).containsExactly("{\"unread\":1}");
        assertThat(streamOf("8")).hasSize(1);
        assertThatThrownBy(() -> bus.publishToUsers(List.of("7"), "notif", Map.of(), ""))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("publish id");
    }

    @Test
    void theOriginOfARequestIsStampedWithItsUserSoAnotherUserCannotBorrowATabsOrigin() {
        CrudBus stamping = new CrudBus(hub, new JsonMapper(), AfterCommit.IMMEDIATE,
                new RequestOrigin(HubUserResolver.principalName()),
                new PublishRetries(hub, Duration.ofSeconds(1)));
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/tasks/1");
        request.addHeader(RequestOrigin.HEADER, "alices-tab");
        request.setUserPrincipal(() -> "bob");
        RequestContextHolder.setRequestAttributes(new ServletRequestAttributes(request));
        try {
            stamping.publishToUsers(List.of("7"), "crud.update", Map.of("model", "Task", "id", 1));
            request.setUserPrincipal(null);
            stamping.publishToUsers(List.of("7"), "crud.update", Map.of("model", "Task", "id", 2));
            request.setUserPrincipal(() -> "alice");
            request.removeHeader(RequestOrigin.HEADER);
            request.addHeader(RequestOrigin.HEADER, "not a token!");
            stamping.publishToUsers(List.of("7"), "crud.update", Map.of("model", "Task", "id", 3));
        }
        finally {
            RequestContextHolder.resetRequestAttributes();
        }

        List<String> data = streamOf("7").stream().map(HubEvent::data).toList();
        assertThat(data).hasSize(3);
        assertThat(data.get(0)).contains("\"id\":1", "\"origin\":\"bob/alices-tab\"");
        assertThat(data.get(1)).contains("\"id\":2").doesNotContain("origin");
        assertThat(data.get(2)).contains("\"id\":3").doesNotContain("origin");
    }

    @Test
    void aRecipientNoStreamCanBelongToIsSkippedWithOneWarningAndTheOthersGetTheEventAfterCommit(
            org.springframework.boot.test.system.CapturedOutput output) {
        String tooLong = "L".repeat(300);
        java.util.List<String> audience = new java.util.ArrayList<>(List.of(tooLong, "josé", ""));
        audience.add(null);
        boolean committed = transactions.execute(status -> {
            bus.publishToUsers(audience, "crud.update", Map.of("id", 2));
            bus.publishToUsers(List.of(tooLong), "crud.update", Map.of("id", 3));
            return !status.isRollbackOnly();
        });

        assertThat(committed).isTrue();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(streamOf("josé"))
            .extracting(HubEvent::data).containsExactly("{\"id\":2}"));
        assertThat(hub.metrics().skippedUsers.count()).isEqualTo(4.0);
        assertThat(output.getAll().lines().filter(line -> line.contains("Skipped"))).singleElement().asString()
            .contains("WARN", "Skipped 3 recipient(s)", "1 to 256 characters", "'crud.update'");
    }

    @Test
    void badArgumentsAreRefusedAtTheCallWithTheReason() {
        assertThatThrownBy(() -> bus.publishToUsers(List.of(), "crud.update", Map.of()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one user");
        assertThatThrownBy(() -> bus.publishToUsers(List.of("7"), "Crud Update", Map.of()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[a-z0-9._-]{1,64}");
        assertThatThrownBy(() -> bus.publishToUsers(List.of("7"), "ready", Map.of()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the hub sends itself");
        assertThatThrownBy(() -> bus.publishToUsers(List.of("7"), "crud.update", Map.of("x", "y".repeat(70_000))))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 65536");
        assertThatThrownBy(() -> bus.publishToUsers(List.of("7"), "crud.update", new Unwritable()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot be written as JSON");
        transactions.executeWithoutResult(status -> assertThatThrownBy(
                () -> bus.publishToUsers(List.of("7"), "BAD", Map.of())).isInstanceOf(IllegalArgumentException.class));
        assertThat(streamOf("7")).isEmpty();
    }

    /** A payload Jackson cannot write: its only property throws. */
    static final class Unwritable {

        public String getValue() {
            throw new IllegalStateException("not today");
        }
    }

    @Test
    void aStreamEndsAtItsLifetimeWithAShortRetry() throws Exception {
        try (Hub shortLived = new Hub(new MemoryEngine(StreamSettings.defaults()),
                new HubSettings(16, 100, Duration.ofSeconds(15), Duration.ofMillis(5000), Duration.ofMillis(300), 500),
                new SimpleMeterRegistry())) {
            dev.livehub.hub.testing.RecordingOutput out = new dev.livehub.hub.testing.RecordingOutput();
            shortLived.connect("u1", Cursor.none(), out);
            assertThat(out.awaitClosed(Duration.ofSeconds(5))).isTrue();
            assertThat(out.parser().retry()).isLessThan(1000);
        }
    }
}
