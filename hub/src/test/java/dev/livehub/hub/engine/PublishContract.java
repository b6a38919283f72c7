package dev.livehub.hub.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.Test;

import dev.livehub.hub.Cursor;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.Publication;
import dev.livehub.hub.PublishConflictException;
import dev.livehub.hub.Published;
import dev.livehub.hub.testing.RecordingOutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Publishing, the same on every engine (part of {@link EngineContract}): publish ids make retries idempotent and
 * refuse reuse with other content, per user; a batch of publications and a fan-out to many users are answered per
 * publication and per user.
 */
interface PublishContract {

    /** A hub on a fresh engine with default stream settings. */
    Hub publishingHub();

    /** {@code count} user ids, {@code <prefix>0} on. */
    static List<String> users(String prefix, int count) {
        List<String> users = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            users.add(prefix + n);
        }
        return users;
    }

    /**
     * Publishes one event to 1,000 users ({@code <prefix>0} on), after a warm-up publish, and says how many script
     * calls Redis ran for it, by {@code scriptCalls} before and after.
     */
    static long scriptCallsOfAFanOut(Hub hub, String prefix, LongSupplier scriptCalls) {
        hub.publish(List.of("warm-up"), Publication.of("notif", "{}"));
        long before = scriptCalls.getAsLong();
        Published result = hub.publishAll(List.of(Publication.of("notif", "{\"unread\":1}")
            .to(users(prefix, 1000)))).getFirst();
        assertThat(result.complete()).isTrue();
        return scriptCalls.getAsLong() - before;
    }

    private static List<HubEvent> entries(Hub hub, String user) {
        return hub.poll(user, Cursor.after(EventId.ZERO), 100).events();
    }

    @Test
    default void aRetryWithTheSamePublishIdAppendsOnlyWhereItIsMissing() {
        Hub hub = publishingHub();
        Publication publication = new Publication("notif", "{\"unread\":1}", "order-17-shipped");
        Map<String, EventId> first = hub.publish(List.of("a"), publication);

        Map<String, EventId> again = hub.publish(List.of("a", "b"), publication);

        assertThat(again.get("a")).isEqualTo(first.get("a"));
        assertThat(entries(hub, "a")).hasSize(1);
        assertThat(entries(hub, "b")).extracting(HubEvent::id).containsExactly(again.get("b"));
    }

    @Test
    default void aPublishIdUsedAgainWithOtherContentIsRefusedForTheUsersWhoHaveIt() {
        Hub hub = publishingHub();
        EventId earlier = hub.publish(List.of("a"), new Publication("notif", "{\"unread\":1}", "p-1")).get("a");

        Published result = hub.publishAll(List.of(new Publication("notif", "{\"unread\":2}", "p-1")
            .to(List.of("a", "b")))).getFirst();

        assertThat(result.publishId()).isEqualTo("p-1");
        assertThat(result.complete()).isFalse();
        assertThat(result.refused()).containsOnlyKeys("a");
        assertThat(result.refused().get("a").reason()).isEqualTo(Published.Reason.PUBLISH_ID_CONFLICT);
        assertThat(result.refused().get("a").message()).contains("'p-1'", earlier.toString());
        assertThat(result.ids()).containsOnlyKeys("b");
        assertThat(entries(hub, "a")).extracting(HubEvent::data).containsExactly("{\"unread\":1}");
        assertThatThrownBy(() -> hub.publish(List.of("a"), new Publication("crud.update", "{\"unread\":1}", "p-1")))
            .isInstanceOf(PublishConflictException.class)
            .hasMessageContaining("'p-1'");
    }

    @Test
    default void publishingWithoutWaitingAnswersAsPublishingDoes() throws Exception {
        Hub hub = publishingHub();
        Publication publication = new Publication("notif", "{\"unread\":4}", "async-1");

        Published result = hub.publishAllAsync(List.of(publication.to(List.of("a", "b"))))
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS)
            .getFirst();

        assertThat(result.complete()).isTrue();
        assertThat(result.publishId()).isEqualTo("async-1");
        assertThat(result.ids().keySet()).containsExactly("a", "b");
        assertThat(entries(hub, "a")).extracting(HubEvent::id).containsExactly(result.ids().get("a"));
        assertThat(hub.publishAll(List.of(publication.to(List.of("a")))).getFirst().ids())
            .containsExactlyEntriesOf(Map.of("a", result.ids().get("a")));
        Published conflict = hub.publishAllAsync(List.of(new Publication("notif", "{\"unread\":5}", "async-1")
            .to(List.of("b")))).toCompletableFuture().get(10, TimeUnit.SECONDS).getFirst();
        assertThat(conflict.refused().get("b").reason()).isEqualTo(Published.Reason.PUBLISH_ID_CONFLICT);
        assertThat(entries(hub, "b")).hasSize(1);
        assertThat(hub.publishAllAsync(List.of()).toCompletableFuture().get()).isEmpty();
    }

    @Test
    default void aBatchAppendsEachPublicationToItsOwnUsersInOrder() {
        Hub hub = publishingHub();
        List<Published> results = hub.publishAll(List.of(
                new Publication("crud.create", "{\"id\":1}", "b-1").to(List.of("a", "b")),
                new Publication("crud.update", "{\"id\":1,\"fields\":{}}", "b-2").to(List.of("a")),
                new Publication("notif", "{\"unread\":3}", "b-3").to(List.of("c", "a"))));

        assertThat(results).extracting(Published::publishId).containsExactly("b-1", "b-2", "b-3");
        assertThat(results).allMatch(Published::complete);
        assertThat(results.get(2).ids().keySet()).containsExactly("c", "a");
        List<HubEvent> a = entries(hub, "a");
        assertThat(a).extracting(HubEvent::event).containsExactly("crud.create", "crud.update", "notif");
        assertThat(a).extracting(HubEvent::id).containsExactly(results.get(0).ids().get("a"),
                results.get(1).ids().get("a"), results.get(2).ids().get("a"));
        assertThat(entries(hub, "b")).extracting(HubEvent::event).containsExactly("crud.create");
        assertThat(entries(hub, "c")).extracting(HubEvent::data).containsExactly("{\"unread\":3}");
    }

    @Test
    default void oneEventReachesAThousandUsersAndTheirOpenStreams() {
        Hub hub = publishingHub();
        List<String> users = users("fan", 1000);
        RecordingOutput first = new RecordingOutput();
        RecordingOutput last = new RecordingOutput();
        hub.connect("fan0", Cursor.none(), first);
        hub.connect("fan999", Cursor.none(), last);
        first.events().awaitFirst("ready", Duration.ofSeconds(10));
        last.events().awaitFirst("ready", Duration.ofSeconds(10));

        Published result = hub.publishAll(List.of(Publication.of("notif", "{\"unread\":1}").to(users))).getFirst();

        assertThat(result.complete()).isTrue();
        assertThat(result.ids().keySet()).containsExactlyElementsOf(users);
        assertThat(first.events().awaitPublished(1, Duration.ofSeconds(10)).getFirst().id())
            .isEqualTo(result.ids().get("fan0").toString());
        assertThat(last.events().awaitPublished(1, Duration.ofSeconds(10)).getFirst().id())
            .isEqualTo(result.ids().get("fan999").toString());
        assertThat(entries(hub, "fan500")).extracting(HubEvent::id).containsExactly(result.ids().get("fan500"));
    }
}
