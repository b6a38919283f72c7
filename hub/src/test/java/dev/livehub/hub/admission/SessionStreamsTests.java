package dev.livehub.hub.admission;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.livehub.hub.Cursor;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.RecordingOutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class SessionStreamsTests {

    @Test
    void aSessionsUserIsKnownWhileItHasAStreamOpenAndItsStoreHasItAndNotOnceItEnds() throws Exception {
        Set<String> deleted = ConcurrentHashMap.newKeySet();
        try (Hub hub = new Hub(new MemoryEngine(StreamSettings.defaults()), HubSettings.defaults(),
                new SimpleMeterRegistry());
                SessionStreams sessions = new SessionStreams(id -> !deleted.contains(id), Duration.ofHours(1))) {
            var first = hub.connect("alice", Cursor.none(), new RecordingOutput());
            var second = hub.connect("alice", Cursor.none(), new RecordingOutput());
            assertThat(sessions.userOf("s1")).isNull();
            sessions.track("s1", first);
            sessions.track("s1", second);
            assertThat(sessions.userOf("s1")).isEqualTo("alice");
            sessions.untrack("s1", first);
            assertThat(sessions.userOf("s1")).as("one stream left").isEqualTo("alice");
            sessions.untrack("s1", second);
            assertThat(sessions.userOf("s1")).as("no stream left").isNull();

            sessions.track("s2", hub.connect("bob", Cursor.none(), new RecordingOutput()));
            sessions.endSession("s2", "signed-out");
            assertThat(sessions.userOf("s2")).as("signed out").isNull();

            sessions.track("s3", hub.connect("carol", Cursor.none(), new RecordingOutput()));
            assertThat(sessions.userOf("s3")).isEqualTo("carol");
            deleted.add("s3");
            assertThat(sessions.userOf("s3")).as("gone from its store, the check not run yet").isNull();
        }
        try (SessionStreams containerOnly = new SessionStreams(null, Duration.ofSeconds(20))) {
            assertThat(containerOnly.userOf("s1")).as("no store to ask").isNull();
        }
    }

    @Test
    void theSweepChecksEverySessionOnceAnIntervalASliceAtATime() throws Exception {
        List<List<String>> calls = new CopyOnWriteArrayList<>();
        Set<String> ended = ConcurrentHashMap.newKeySet();
        SessionStreams.SessionCheck check = new SessionStreams.SessionCheck() {
            @Override
            public boolean exists(String sessionId) {
                return !ended.contains(sessionId);
            }

            @Override
            public Set<String> gone(java.util.Collection<String> sessionIds) {
                calls.add(List.copyOf(sessionIds));
                return SessionStreams.SessionCheck.super.gone(sessionIds);
            }
        };
        Duration interval = Duration.ofSeconds(1);
        int slices = SessionStreams.slices(interval);
        assertThat(slices).isEqualTo(4);
        try (Hub hub = new Hub(new MemoryEngine(StreamSettings.defaults()), HubSettings.defaults(),
                new SimpleMeterRegistry()); SessionStreams sessions = new SessionStreams(check, interval)) {
            Map<String, RecordingOutput> outputs = new HashMap<>();
            for (int i = 0; i < 40; i++) {
                String sessionId = "session-" + i;
                RecordingOutput output = new RecordingOutput();
                sessions.track(sessionId, hub.connect("u" + i, Cursor.none(), output));
                outputs.put(sessionId, output);
            }
            // A whole interval's ticks: every session checked, each in its own slice, no tick checking them all.
            await().atMost(Duration.ofSeconds(5)).until(() -> calls.size() >= slices);
            List<List<String>> sweep = new ArrayList<>(calls.subList(0, slices));
            Set<String> checked = new HashSet<>();
            sweep.forEach(checked::addAll);
            assertThat(checked).hasSize(40);
            assertThat(sweep.stream().mapToInt(List::size).sum()).as("each session once a sweep").isEqualTo(40);
            assertThat(sweep).allSatisfy(slice -> assertThat(slice).hasSizeLessThan(40));

            // A session that ends in its store ends its streams within an interval (and a tick).
            ended.add("session-7");
            RecordingOutput seven = outputs.get("session-7");
            seven.events().awaitFirst("auth-expired", interval.multipliedBy(3));
            assertThat(outputs.get("session-8").events().all()).noneMatch(event -> "auth-expired".equals(event.event()));
        }
    }

    @Test
    void aStreamTrackedJustAfterItsSessionEndedEndsAtOnce() throws Exception {
        try (Hub hub = new Hub(new MemoryEngine(StreamSettings.defaults()), HubSettings.defaults(),
                new SimpleMeterRegistry());
                SessionStreams sessions = new SessionStreams(id -> true, Duration.ofHours(1))) {
            // A sign-out ends the session's streams while a stream of it is being admitted (its session read just
            // before the sign-out deleted it): that stream is tracked after the end, and ends too.
            assertThat(sessions.endSession("s1", "signed-out")).isZero();
            RecordingOutput late = new RecordingOutput();
            sessions.track("s1", hub.connect("alice", Cursor.none(), late));
            assertThat(late.events().awaitFirst("auth-expired", Duration.ofSeconds(5)).data()).contains("signed-out");
            assertThat(late.awaitClosed(Duration.ofSeconds(5))).isTrue();
            assertThat(sessions.userOf("s1")).as("nothing left tracked").isNull();

            RecordingOutput other = new RecordingOutput();
            sessions.track("s2", hub.connect("bob", Cursor.none(), other));
            other.events().awaitFirst("ready", Duration.ofSeconds(5));
            assertThat(sessions.userOf("s2")).as("another session is unaffected").isEqualTo("bob");
            assertThat(other.events().all()).noneMatch(event -> "auth-expired".equals(event.event()));
        }
    }
}
