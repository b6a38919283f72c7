package dev.livehub.hub.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.livehub.hub.Connection;
import dev.livehub.hub.Cursor;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.Publication;
import dev.livehub.hub.testing.RecordingOutput;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The one contract every engine passes, through the {@link Hub} that runs on it: ids, ordering, trimming, retention,
 * the resume rules, concurrent appends and live delivery. Each engine's test class only says how to make one.
 */
public abstract class EngineContract implements CatchUpContract, PublishContract {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<Hub> hubs = new ArrayList<>();

    /** A new engine over storage no other test sees. Two calls in one test must share storage (two nodes). */
    protected abstract Engine newEngine(StreamSettings settings);

    /** How far above max-entries a trimmed stream may stay: Redis trims whole nodes of 100 entries. */
    protected abstract int trimSlack();

    protected Hub hub(StreamSettings settings) {
        return hub(settings, HubSettings.defaults());
    }

    protected Hub hub(StreamSettings settings, HubSettings hubSettings) {
        Hub hub = new Hub(newEngine(settings), hubSettings, new SimpleMeterRegistry());
        hubs.add(hub);
        return hub;
    }

    @Override
    public Hub compactingHub(int compactAbove) {
        HubSettings defaults = HubSettings.defaults();
        return hub(StreamSettings.defaults(), new HubSettings(defaults.maxConnectionsPerUser(), defaults.outboxSize(),
                defaults.heartbeat(), defaults.retry(), defaults.streamLifetime(), defaults.catchUpPage(), compactAbove));
    }

    @Override
    public Hub publishingHub() {
        return hub(StreamSettings.defaults());
    }

    @AfterEach
    void closeHubs() {
        hubs.forEach(Hub::close);
    }

    private static Publication publication(int n) {
        return Publication.of("crud.update", "{\"n\":" + n + "}");
    }

    private static List<String> data(List<SseEvent> events) {
        return events.stream().map(SseEvent::data).toList();
    }

    private static List<String> expected(int from, int to) {
        List<String> data = new ArrayList<>();
        for (int n = from; n <= to; n++) {
            data.add("{\"n\":" + n + "}");
        }
        return data;
    }

    @Test
    void idsIncreaseAndEntriesComeBackInOrderWithTheirFields() {
        Hub hub = hub(StreamSettings.defaults());
        List<EventId> ids = new ArrayList<>();
        for (int n = 1; n <= 5; n++) {
            ids.add(hub.publish(List.of("u1"), publication(n)).get("u1"));
        }
        assertThat(ids).isSorted().doesNotHaveDuplicates();
        Hub.Poll poll = hub.poll("u1", Cursor.after(EventId.ZERO), 100);
        assertThat(poll.reset()).isFalse();
        assertThat(poll.events()).extracting(HubEvent::id).containsExactlyElementsOf(ids);
        assertThat(poll.events()).extracting(HubEvent::event).containsOnly("crud.update");
        assertThat(poll.events()).extracting(HubEvent::data).containsExactlyElementsOf(expected(1, 5));
        assertThat(poll.lastId()).isEqualTo(ids.getLast());
    }

    @Test
    void oneCallAppendsToEveryUserAndOnlyToThem() {
        Hub hub = hub(StreamSettings.defaults());
        Map<String, EventId> ids = hub.publish(List.of("a", "b", "a"), publication(1));
        assertThat(ids).containsOnlyKeys("a", "b");
        assertThat(hub.poll("a", Cursor.after(EventId.ZERO), 10).events()).hasSize(1);
        assertThat(hub.poll("b", Cursor.after(EventId.ZERO), 10).events()).hasSize(1);
        assertThat(hub.poll("c", Cursor.after(EventId.ZERO), 10).events()).isEmpty();
    }

    @Test
    void pollsResumeAfterTheCursorInPages() {
        Hub hub = hub(StreamSettings.defaults());
        List<EventId> ids = new ArrayList<>();
        for (int n = 1; n <= 10; n++) {
            ids.add(hub.publish(List.of("u1"), publication(n)).get("u1"));
        }
        Hub.Poll first = hub.poll("u1", Cursor.after(ids.get(2)), 4);
        assertThat(data(first.events().stream().map(e -> new SseEvent(null, null, e.data())).toList()))
            .containsExactlyElementsOf(expected(4, 7));
        Hub.Poll second = hub.poll("u1", Cursor.after(first.lastId()), 4);
        assertThat(second.events()).extracting(HubEvent::data).containsExactlyElementsOf(expected(8, 10));
        Hub.Poll none = hub.poll("u1", Cursor.after(second.lastId()), 4);
        assertThat(none.events()).isEmpty();
        assertThat(none.reset()).isFalse();
        assertThat(none.lastId()).isEqualTo(ids.getLast());
    }

    /**
     * A read gives every entry up to its limit, whatever rounds an engine reads them in (Redis asks for 16 first,
     * then the rest): limits around that size, and a backlog of 100 read in one call.
     */
    @Test
    void aReadGivesEveryEntryUpToItsLimitInOrder() {
        Hub hub = hub(StreamSettings.defaults());
        List<EventId> ids = new ArrayList<>();
        for (int n = 1; n <= 100; n++) {
            ids.add(hub.publish(List.of("u1"), publication(n)).get("u1"));
        }
        try (Engine engine = newEngine(StreamSettings.defaults())) {
            engine.start((user, entry) -> { });
            readsUpToTheirLimits(engine, ids);
        }
    }

    private static void readsUpToTheirLimits(Engine engine, List<EventId> ids) {
        for (int limit : new int[] { 1, 15, 16, 17, 32, 33, 99, 100, 101, 500 }) {
            StreamSlice slice = engine.read("u1", ids.getFirst(), limit);
            assertThat(slice.lastId()).as("last id, limit %d", limit).isEqualTo(ids.getLast());
            assertThat(slice.headRemoved()).isFalse();
            assertThat(slice.entries()).as("entries read with limit %d", limit).extracting(HubEvent::id)
                .containsExactlyElementsOf(ids.subList(0, Math.min(limit, ids.size())));
            assertThat(slice.entries()).extracting(HubEvent::data)
                .containsExactlyElementsOf(expected(1, Math.min(limit, ids.size())));
        }
        StreamSlice fromMiddle = engine.read("u1", ids.get(49), 101);
        assertThat(fromMiddle.entries()).extracting(HubEvent::id).containsExactlyElementsOf(ids.subList(49, 100));
    }

    @Test
    void aStreamThatNeverExistedHasLastIdZero() {
        Hub hub = hub(StreamSettings.defaults());
        assertThat(hub.poll("nobody", Cursor.none(), 10).lastId()).isEqualTo(EventId.ZERO);
        assertThat(hub.poll("nobody", Cursor.after(EventId.ZERO), 10).reset()).isFalse();
    }

    @Test
    void operatorsFindUsersWithAStreamByGlob() {
        Hub hub = hub(StreamSettings.defaults());
        hub.publish(List.of("42", "43", "7", "Mary Ann"), publication(1));
        try (Engine engine = newEngine(StreamSettings.defaults())) {
            engine.start((user, entry) -> { });
            StreamAdmin admin = engine.admin();
            assertThat(admin.users("*", 100)).extracting(StreamAdmin.UserStream::user)
                .containsExactlyInAnyOrder("42", "43", "7", "Mary Ann");
            assertThat(admin.users("4?", 100)).extracting(StreamAdmin.UserStream::user)
                .containsExactlyInAnyOrder("42", "43");
            assertThat(admin.users("Mary *", 100)).extracting(StreamAdmin.UserStream::user)
                .containsExactly("Mary Ann");
            assertThat(admin.users("7", 100)).singleElement()
                .satisfies(stream -> assertThat(stream.length()).isEqualTo(1));
        }
    }

    @Test
    void aRetriedPublishIsAppendedOnce() {
        Hub hub = hub(StreamSettings.defaults());
        Publication once = publication(1);
        EventId first = hub.publish(List.of("u1"), once).get("u1");
        EventId again = hub.publish(List.of("u1"), once).get("u1");
        assertThat(again).isEqualTo(first);
        assertThat(hub.poll("u1", Cursor.after(EventId.ZERO), 10).events()).hasSize(1);
    }

    @Test
    void streamsAreTrimmedAndACursorBeforeTheHeadGetsReset() {
        int max = 50;
        Hub hub = hub(new StreamSettings(max, Duration.ofDays(1), Duration.ofMinutes(1)));
        EventId firstId = null;
        for (int n = 1; n <= 400; n++) {
            EventId id = hub.publish(List.of("u1"), publication(n)).get("u1");
            firstId = firstId == null ? id : firstId;
        }
        List<HubEvent> kept = hub.poll("u1", Cursor.after(EventId.ZERO), 1000).events();
        assertThat(kept).isEmpty();
        assertThat(hub.poll("u1", Cursor.after(EventId.ZERO), 1000).reset()).as("0-0 after trimming").isTrue();
        Hub.Poll old = hub.poll("u1", Cursor.after(firstId), 1000);
        assertThat(old.reset()).as("cursor trimmed away").isTrue();
        assertThat(old.events()).isEmpty();
        StreamSlice slice = hub.poll("u1", Cursor.none(), 0).lastId() == null ? null
                : engineSliceOfTail(hub, "u1");
        assertThat(slice.entries().size()).isBetween(max, max + trimSlack());
        assertThat(slice.entries().getLast().data()).isEqualTo("{\"n\":400}");
    }

    private StreamSlice engineSliceOfTail(Hub hub, String user) {
        Engine engine = newEngine(StreamSettings.defaults());
        try {
            engine.start(new EngineListener() {
                @Override
                public void onEntry(String u, HubEvent entry) {
                }
            });
            return engine.read(user, EventId.ZERO, 10_000);
        }
        finally {
            engine.close();
        }
    }

    @Test
    void aStreamNobodyPublishedToExpiresAndItsCursorsGetReset() {
        Hub hub = hub(new StreamSettings(100, Duration.ofMillis(300), Duration.ofMillis(300)));
        EventId id = hub.publish(List.of("u1"), publication(1)).get("u1");
        await().atMost(WAIT).until(() -> hub.poll("u1", Cursor.none(), 0).lastId().equals(EventId.ZERO));
        Hub.Poll poll = hub.poll("u1", Cursor.after(id), 10);
        assertThat(poll.reset()).isTrue();
        assertThat(poll.lastId()).isEqualTo(EventId.ZERO);
    }

    @Test
    void aCursorTheStreamNeverHadGetsReset() {
        Hub hub = hub(StreamSettings.defaults());
        EventId first = hub.publish(List.of("u1"), publication(1)).get("u1");
        EventId last = hub.publish(List.of("u1"), publication(2)).get("u1");
        EventId future = new EventId(last.ms() + 60_000, 0);
        assertThat(hub.poll("u1", Cursor.after(future), 10).reset()).as("newer than the stream").isTrue();
        EventId between = new EventId(first.ms(), first.seq() + 1);
        if (between.compareTo(last) < 0) {
            assertThat(hub.poll("u1", Cursor.after(between), 10).reset()).as("absent from the stream").isTrue();
        }
        EventId beforeAll = new EventId(first.ms() - 1, 0);
        assertThat(hub.poll("u1", Cursor.after(beforeAll), 10).reset()).as("never in the stream").isTrue();
    }

    @Test
    void concurrentAppendsGetDistinctIdsAndAllAreKeptInOrder() throws Exception {
        Hub hub = hub(new StreamSettings(10_000, Duration.ofDays(1), Duration.ofMinutes(1)));
        int threads = 8;
        int each = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Set<EventId>>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            results.add(pool.submit(() -> {
                Set<EventId> ids = new HashSet<>();
                for (int n = 0; n < each; n++) {
                    ids.add(hub.publish(List.of("u1"), publication(n)).get("u1"));
                }
                return ids;
            }));
        }
        Set<EventId> all = new HashSet<>();
        for (Future<Set<EventId>> result : results) {
            all.addAll(result.get());
        }
        pool.shutdown();
        assertThat(all).hasSize(threads * each);
        List<HubEvent> read = new ArrayList<>();
        Hub.Poll poll = hub.poll("u1", Cursor.after(EventId.ZERO), 500);
        while (!poll.events().isEmpty()) {
            read.addAll(poll.events());
            poll = hub.poll("u1", Cursor.after(poll.lastId()), 500);
        }
        assertThat(read).extracting(HubEvent::id).isSorted().doesNotHaveDuplicates().hasSize(threads * each);
    }

    @Test
    void aNewClientGetsReadyWithTheLastIdThenLiveEvents() {
        Hub hub = hub(StreamSettings.defaults());
        EventId before = hub.publish(List.of("u1"), publication(1)).get("u1");
        RecordingOutput out = new RecordingOutput();
        hub.connect("u1", Cursor.none(), out);
        SseEvent ready = out.events().awaitFirst("ready", WAIT);
        assertThat(ready.id()).isEqualTo(before.toString());
        assertThat(ready.data()).contains(before.toString());
        EventId live = hub.publish(List.of("u1"), publication(2)).get("u1");
        List<SseEvent> events = out.events().awaitPublished(1, WAIT);
        assertThat(events).containsExactly(new SseEvent(live.toString(), "crud.update", "{\"n\":2}"));
        assertThat(out.parser().retry()).isBetween(5000L, 6000L);
    }

    @Test
    void liveDeliveryReachesEveryConnectionOfTheUserOnEveryNode() {
        Hub node1 = hub(StreamSettings.defaults());
        Hub node2 = hub(StreamSettings.defaults());
        RecordingOutput a = new RecordingOutput();
        RecordingOutput b = new RecordingOutput();
        RecordingOutput other = new RecordingOutput();
        node1.connect("u1", Cursor.none(), a);
        node2.connect("u1", Cursor.none(), b);
        node2.connect("u2", Cursor.none(), other);
        a.events().awaitFirst("ready", WAIT);
        b.events().awaitFirst("ready", WAIT);
        other.events().awaitFirst("ready", WAIT);
        for (int n = 1; n <= 20; n++) {
            node1.publish(List.of("u1"), publication(n));
        }
        assertThat(data(a.events().awaitPublished(20, WAIT))).containsExactlyElementsOf(expected(1, 20));
        assertThat(data(b.events().awaitPublished(20, WAIT))).containsExactlyElementsOf(expected(1, 20));
        node1.publish(List.of("u2"), publication(99));
        assertThat(data(other.events().awaitPublished(1, WAIT))).containsExactly("{\"n\":99}");
        assertThat(a.events().published()).hasSize(20);
    }

    @Test
    void catchUpAndLiveMeetWithNoGapAndNoDuplicateWhilePublishing() throws Exception {
        Hub hub = hub(new StreamSettings(10_000, Duration.ofDays(1), Duration.ofMinutes(1)),
                new HubSettings(16, 1000, Duration.ofSeconds(15), Duration.ofMillis(5000), Duration.ofMinutes(30), 7));
        EventId cursor = null;
        for (int n = 1; n <= 50; n++) {
            EventId id = hub.publish(List.of("u1"), publication(n)).get("u1");
            cursor = n == 10 ? id : cursor;
        }
        AtomicInteger next = new AtomicInteger(51);
        Thread publisher = Thread.ofVirtual().start(() -> {
            for (int n = next.get(); n <= 300; n = next.incrementAndGet()) {
                hub.publish(List.of("u1"), publication(n));
            }
        });
        RecordingOutput out = new RecordingOutput();
        hub.connect("u1", Cursor.after(cursor), out);
        publisher.join();
        assertThat(data(out.events().awaitPublished(290, WAIT))).containsExactlyElementsOf(expected(11, 300));
        assertThat(out.events().all()).noneMatch(e -> e.event().equals("reset"));
    }

    @Test
    void aResumeWithACursorTrimmedAwayGetsResetThenLiveEvents() {
        Hub hub = hub(new StreamSettings(10, Duration.ofDays(1), Duration.ofMinutes(1)));
        EventId old = hub.publish(List.of("u1"), publication(0)).get("u1");
        EventId last = null;
        for (int n = 1; n <= 300; n++) {
            last = hub.publish(List.of("u1"), publication(n)).get("u1");
        }
        RecordingOutput out = new RecordingOutput();
        hub.connect("u1", Cursor.after(old), out);
        SseEvent reset = out.events().awaitFirst("reset", WAIT);
        assertThat(reset.id()).isEqualTo(last.toString());
        assertThat(reset.data()).contains("\"reason\":\"trimmed\"");
        hub.publish(List.of("u1"), publication(301));
        assertThat(data(out.events().awaitPublished(1, WAIT))).containsExactly("{\"n\":301}");
    }

    @Test
    void theConnectionLimitPerUserHolds() {
        Hub hub = hub(StreamSettings.defaults(),
                new HubSettings(2, 1000, Duration.ofSeconds(15), Duration.ofMillis(5000), Duration.ofMinutes(30), 500));
        hub.connect("u1", Cursor.none(), new RecordingOutput());
        hub.connect("u1", Cursor.none(), new RecordingOutput());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> hub.connect("u1", Cursor.none(), new RecordingOutput()))
            .isInstanceOf(dev.livehub.hub.TooManyConnectionsException.class)
            .hasMessageContaining("2 open streams");
        hub.connect("u2", Cursor.none(), new RecordingOutput());
        assertThat(hub.connectionCount()).isEqualTo(3);
    }

    @Test
    void aClientThatGoesAwayIsRemovedAndResumesWhereItStopped() throws Exception {
        Hub hub = hub(StreamSettings.defaults(),
                new HubSettings(16, 1000, Duration.ofMillis(100), Duration.ofMillis(5000), Duration.ofMinutes(30), 500));
        RecordingOutput first = new RecordingOutput();
        hub.connect("u1", Cursor.none(), first);
        first.events().awaitFirst("ready", WAIT);
        hub.publish(List.of("u1"), publication(1));
        SseEvent seen = first.events().awaitPublished(1, WAIT).getFirst();
        first.breakConnection();
        assertThat(first.awaitClosed(WAIT)).as("heartbeat finds the dead peer").isTrue();
        await().atMost(WAIT).until(() -> hub.connectionCount("u1") == 0);
        hub.publish(List.of("u1"), publication(2));
        hub.publish(List.of("u1"), publication(3));
        RecordingOutput second = new RecordingOutput();
        hub.connect("u1", Cursor.after(EventId.parse(seen.id())), second);
        assertThat(data(second.events().awaitPublished(2, WAIT))).containsExactly("{\"n\":2}", "{\"n\":3}");
        assertThat(second.events().all()).noneMatch(e -> e.event().equals("ready") || e.event().equals("reset"));
    }

    @Test
    void aClientThatReadsNothingIsDisconnectedWhenItsOutboxIsFullAndTheOthersGoOn() throws Exception {
        Hub hub = hub(StreamSettings.defaults(),
                new HubSettings(16, 5, Duration.ofSeconds(15), Duration.ofMillis(5000), Duration.ofMinutes(30), 500));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        // Accepts the preamble and ready, then blocks in its next write like a client that stopped reading.
        dev.livehub.hub.SseOutput stuck = new dev.livehub.hub.SseOutput() {
            private int sends;

            @Override
            public void send(byte[] bytes) throws java.io.IOException {
                if (++sends > 2) {
                    try {
                        release.await();
                    }
                    catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                    throw new java.io.IOException("gone");
                }
            }

            @Override
            public void close() {
                closed.countDown();
            }
        };
        RecordingOutput healthy = new RecordingOutput();
        Connection slow = hub.connect("u1", Cursor.none(), stuck);
        hub.connect("u1", Cursor.none(), healthy);
        healthy.events().awaitFirst("ready", WAIT);
        await().atMost(WAIT).until(() -> hub.connectionCount("u1") == 2);
        for (int n = 1; n <= 20; n++) {
            hub.publish(List.of("u1"), publication(n));
            // Paced on the healthy client, whose outbox of 5 must never fill.
            healthy.events().awaitPublished(n, WAIT);
        }
        assertThat(data(healthy.events().published())).containsExactlyElementsOf(expected(1, 20));
        assertThat(slow.isClosed()).as("the stuck client was disconnected").isTrue();
        release.countDown();
        assertThat(closed.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        await().atMost(WAIT).until(() -> hub.connectionCount("u1") == 1);
    }

}
