package dev.livehub.hub.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.livehub.hub.Cursor;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.Publication;
import dev.livehub.hub.testing.CutOutput;
import dev.livehub.hub.testing.RecordingOutput;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Catch-up on every engine: reads of large events are bounded by bytes and a catch-up still gets them all (14.7); a
 * compacted catch-up cut after any of its events, then resumed as a browser resumes (from the last id it received,
 * else from where it started), leaves the client with every record's latest state and every other event, as a full
 * replay would (14.1).
 */
interface CatchUpContract {

    Duration WAIT = Duration.ofSeconds(10);

    JsonMapper JSON = JsonMapper.builder().build();

    /** A hub on a fresh engine that folds any backlog longer than {@code compactAbove}. */
    Hub compactingHub(int compactAbove);

    @Test
    default void aReadOfLargeEntriesStopsAtItsByteBoundAndACatchUpStillGetsThemAll() {
        Hub hub = compactingHub(1000);
        String large = "{\"blob\":\"" + "x".repeat(60_000) + "\"}";
        EventId start = hub.publish(List.of("u1"), Publication.of("notif", "{}")).get("u1");
        for (int n = 0; n < 40; n++) {
            publish(hub, "notif", large);
        }
        EventId last = publish(hub, "notif", "{\"n\":\"last\"}");
        Hub.Poll poll = hub.poll("u1", Cursor.after(start), 500);
        assertThat(poll.events()).as("a 1 MiB bound holds about 17 entries of 60 KB").hasSizeBetween(1, 18);
        assertThat(poll.events().stream().mapToLong(e -> e.data().length()).sum())
            .isLessThan(Engine.READ_BYTES + 61_000L);

        RecordingOutput out = new RecordingOutput();
        hub.connect("u1", Cursor.after(start), out);
        List<SseEvent> all = out.events().await(e -> last.toString().equals(e.id()), 1, WAIT);
        assertThat(all).hasSize(41);
        assertThat(all.getLast().data()).isEqualTo("{\"n\":\"last\"}");
    }

    @Test
    default void aCompactedCatchUpCutAfterAnyEventResumesWithNothingLost() throws InterruptedException {
        Hub hub = compactingHub(10);
        EventId start = hub.publish(List.of("u1"), Publication.of("notif", "{\"text\":\"before\"}")).get("u1");
        publish(hub, "crud.update", "{\"model\":\"Task\",\"id\":2,\"fields\":{\"title\":\"T2 renamed\"}}");
        for (int n = 1; n <= 59; n++) {
            publish(hub, "crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"v\":" + n + "}}");
            if (n == 20) {
                publish(hub, "notif", "{\"text\":\"in the middle\"}");
                publish(hub, "crud.create", "{\"model\":\"Task\",\"id\":3,\"fields\":{\"title\":\"brief\"}}");
            }
        }
        publish(hub, "crud.update", "{\"model\":\"Task\",\"id\":2,\"fields\":{\"state\":\"done\"}}");
        EventId last = publish(hub, "crud.delete", "{\"model\":\"Task\",\"id\":3}");
        List<HubEvent> replay = hub.poll("u1", Cursor.after(start), 1000).events();
        Map<String, Object> expected = stateAfter(replay.stream().map(e -> new SseEvent(null, e.event(), e.data()))
            .toList());

        RecordingOutput whole = new RecordingOutput();
        hub.connect("u1", Cursor.after(start).compacting(), whole);
        int events = whole.events().await(e -> last.toString().equals(e.id()), 1, WAIT).size();
        assertThat(whole.events().all().getLast().event()).isEqualTo("compacted");
        assertThat(events).isLessThan(replay.size());

        for (int keep = 1; keep < events; keep++) {
            CutOutput cut = new CutOutput(keep);
            hub.connect("u1", Cursor.after(start).compacting(), cut);
            List<SseEvent> first = cut.awaitCut(WAIT);
            String resumeFrom = first.getLast().id();
            RecordingOutput resumed = new RecordingOutput();
            hub.connect("u1", Cursor.after(resumeFrom == null ? start : EventId.parse(resumeFrom)).compacting(),
                    resumed);
            if (!last.toString().equals(resumeFrom)) {
                resumed.events().await(e -> last.toString().equals(e.id()), 1, WAIT);
            }
            List<SseEvent> seen = new ArrayList<>(first);
            seen.addAll(resumed.events().all());
            assertThat(stateAfter(seen)).as("cut after event %d of %d, resumed from %s", keep, events, resumeFrom)
                .isEqualTo(expected);
            assertThat(seen).as("a browser's position only moves forward").extracting(SseEvent::id)
                .filteredOn(id -> id != null)
                .isSortedAccordingTo((a, b) -> EventId.parse(a).compareTo(EventId.parse(b)));
        }
    }

    private static EventId publish(Hub hub, String event, String data) {
        return hub.publish(List.of("u1"), Publication.of(event, data)).get("u1");
    }

    /** What a page shows after these events: each record's fields, and every notification it was told. */
    private static Map<String, Object> stateAfter(List<SseEvent> events) {
        Map<String, Map<String, Object>> records = new LinkedHashMap<>();
        List<String> notifications = new ArrayList<>();
        for (SseEvent event : events) {
            if (event.event().equals("notif")) {
                if (!notifications.contains(event.data())) {
                    notifications.add(event.data());
                }
                continue;
            }
            if (!event.event().startsWith("crud.")) {
                continue;
            }
            JsonNode data = JSON.readTree(event.data());
            String key = data.get("model").asString() + "#" + data.get("id");
            if (event.event().equals("crud.delete")) {
                records.remove(key);
                continue;
            }
            Map<String, Object> fields = records.computeIfAbsent(key, k -> new LinkedHashMap<>());
            data.get("fields").properties().forEach(field -> fields.put(field.getKey(), field.getValue().toString()));
        }
        return Map.of("records", records, "notifications", notifications);
    }
}
