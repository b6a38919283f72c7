package dev.livehub.hub;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.RecordingOutput;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;

/** Catch-up compaction: the fold rules, and a hub that folds a long backlog for a client that asked. */
class CompactionTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<Hub> hubs = new ArrayList<>();

    @AfterEach
    void close() {
        hubs.forEach(Hub::close);
    }

    private static HubEvent entry(int seq, String event, String data) {
        return new HubEvent(new EventId(1000, seq), event, data);
    }

    private static List<String> frames(List<Compaction.Folded> events) {
        return events.stream().map(Compaction.Folded::event)
            .map(e -> e.id().seq() + " " + e.event() + " " + e.data())
            .toList();
    }

    @Test
    void successiveUpdatesOfOneRecordFoldIntoOneWithMergedFieldsAtTheLastId() {
        List<Compaction.Folded> folded = Compaction.fold(List.of(
                entry(1, "crud.update", "{\"model\":\"Task\",\"id\":7,\"fields\":{\"state\":\"open\",\"title\":\"a\"}}"),
                entry(2, "crud.update", "{\"model\":\"Task\",\"id\":8,\"fields\":{\"state\":\"open\"}}"),
                entry(3, "crud.update", "{\"model\":\"Task\",\"id\":7,\"fields\":{\"state\":\"done\"}}")));
        assertThat(frames(folded)).containsExactly(
                "2 crud.update {\"model\":\"Task\",\"id\":8,\"fields\":{\"state\":\"open\"}}",
                "3 crud.update {\"model\":\"Task\",\"id\":7,\"fields\":{\"state\":\"done\",\"title\":\"a\"}}",
                "3 compacted {\"entries\":3,\"events\":2,\"last_id\":\"1000-3\"}");
    }

    @Test
    void updatesOfTheSameFieldsFoldIntoTheLatestAsItsPublisherWroteIt() {
        // The usual backlog: the same fields changed again and again. The merge is the latest entry's own fields.
        List<Compaction.Folded> folded = Compaction.fold(List.of(
                entry(1, "crud.update", "{\"model\":\"Task\",\"id\":7,\"fields\":{\"state\":\"open\",\"n\":1}}"),
                entry(2, "crud.update", "{\"model\":\"Task\",\"id\":7,\"fields\":{\"state\":\"doing\",\"n\":{\"x\":[1,2]}}}"),
                entry(3, "crud.update", "{ \"id\": 7, \"fields\": { \"state\" : \"done\" , \"n\": 3 }, \"model\": \"Task\" }")));
        assertThat(frames(folded)).containsExactly(
                "3 crud.update { \"id\": 7, \"fields\": { \"state\" : \"done\" , \"n\": 3 }, \"model\": \"Task\" }",
                "3 compacted {\"entries\":3,\"events\":1,\"last_id\":\"1000-3\"}");
    }

    @Test
    void theSameFieldsInAnotherOrderOrEscapedAreMergedInTheOrderTheyFirstCame() {
        List<Compaction.Folded> folded = Compaction.fold(List.of(
                entry(1, "crud.update", "{\"model\":\"Task\",\"id\":7,\"fields\":{\"a\":1,\"b\":2}}"),
                entry(2, "crud.update", "{\"model\":\"Task\",\"id\":7,\"fields\":{\"b\":3,\"a\":4}}"),
                entry(3, "crud.update", "{\"model\":\"Task\",\"id\":8,\"fields\":{\"\\u0063\":1}}"),
                entry(4, "crud.update", "{\"model\":\"Task\",\"id\":8,\"fields\":{\"c\":2}}"),
                entry(5, "crud.update", "{\"model\":\"Task\",\"id\":9,\"fields\":{\"a\":1}}"),
                entry(6, "crud.update", "{\"model\":\"Task\",\"id\":9,\"fields\":{\"a\":2,\"b\":3}}")));
        assertThat(frames(folded)).containsExactly(
                "2 crud.update {\"model\":\"Task\",\"id\":7,\"fields\":{\"a\":4,\"b\":3}}",
                "4 crud.update {\"model\":\"Task\",\"id\":8,\"fields\":{\"c\":2}}",
                "6 crud.update {\"model\":\"Task\",\"id\":9,\"fields\":{\"a\":2,\"b\":3}}",
                "6 compacted {\"entries\":6,\"events\":3,\"last_id\":\"1000-6\"}");
    }

    @Test
    void theWarmUpFoldsBacklogsOfEveryShape() {
        // Made-up backlogs of 100 entries over 2 to 9 records: each folds to far fewer events, never to nothing.
        long events = Compaction.warmUp();
        assertThat(events).isBetween((long) Compaction.WARM_UP_FOLDS * 3, (long) Compaction.WARM_UP_FOLDS * 30);
    }

    @Test
    void anUpdateWithoutFieldsMakesTheFoldedOneAskForAReload() {
        List<Compaction.Folded> folded = Compaction.fold(List.of(
                entry(1, "crud.update", "{\"model\":\"Task\",\"id\":7,\"fields\":{\"state\":\"open\"}}"),
                entry(2, "crud.update", "{\"model\":\"Task\",\"id\":7}"),
                entry(3, "crud.update", "{\"model\":\"Task\",\"id\":7,\"fields\":{\"title\":\"b\"}}")));
        assertThat(frames(folded)).first().isEqualTo("3 crud.update {\"model\":\"Task\",\"id\":7}");
    }

    @Test
    void aCreateThenUpdatesIsOneCreateAndACreateThenADeleteIsNothing() {
        List<Compaction.Folded> folded = Compaction.fold(List.of(
                entry(1, "crud.create", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"title\":\"a\",\"state\":\"open\"}}"),
                entry(2, "crud.create", "{\"model\":\"Task\",\"id\":2,\"fields\":{\"title\":\"b\"}}"),
                entry(3, "crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"state\":\"done\"}}"),
                entry(4, "crud.delete", "{\"model\":\"Task\",\"id\":2}")));
        assertThat(frames(folded)).containsExactly(
                "3 crud.create {\"model\":\"Task\",\"id\":1,\"fields\":{\"title\":\"a\",\"state\":\"done\"}}",
                "4 compacted {\"entries\":4,\"events\":1,\"last_id\":\"1000-4\"}");
    }

    @Test
    void updatesThenADeleteIsTheDeleteAndACreateAfterADeleteIsANewRecord() {
        List<Compaction.Folded> folded = Compaction.fold(List.of(
                entry(1, "crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"state\":\"done\"}}"),
                entry(2, "crud.delete", "{\"model\":\"Task\",\"id\":1}"),
                entry(3, "crud.create", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"title\":\"again\"}}")));
        assertThat(frames(folded)).containsExactly(
                "2 crud.delete {\"model\":\"Task\",\"id\":1}",
                "3 crud.create {\"model\":\"Task\",\"id\":1,\"fields\":{\"title\":\"again\"}}",
                "3 compacted {\"entries\":3,\"events\":2,\"last_id\":\"1000-3\"}");
    }

    @Test
    void recordsAreKeyedByModelAndIdAndEverythingElseIsKeptAsItIs() {
        List<Compaction.Folded> folded = Compaction.fold(List.of(
                entry(1, "crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"a\":1}}"),
                entry(2, "crud.update", "{\"model\":\"Group\",\"id\":1,\"fields\":{\"a\":2}}"),
                entry(3, "crud.update", "{\"model\":\"Task\",\"id\":\"01\",\"fields\":{\"a\":3}}"),
                entry(4, "notif", "{\"text\":\"hello\"}"),
                entry(5, "notif", "{\"text\":\"hello\"}"),
                entry(6, "crud.update", "not json"),
                entry(7, "crud.update", "{\"id\":1}"),
                entry(8, "crud.update", "{\"model\":{\"x\":1},\"id\":1}")));
        assertThat(folded).hasSize(9);
        assertThat(folded.getLast().event().event()).isEqualTo("compacted");
        assertThat(folded.subList(0, 8)).extracting(e -> e.event().id().seq())
            .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(folded).allMatch(Compaction.Folded::resumable);
    }

    @Test
    void anIdIsTheRecordTheBrowserFindsByItsText() {
        // app-stream.js finds a row by String(id): 12, "12", 12.0 and 1.2e1 are one row, "012" and 12.5 are others.
        List<Compaction.Folded> folded = Compaction.fold(List.of(
                entry(1, "crud.update", "{\"model\":\"Task\",\"id\":12,\"fields\":{\"a\":1}}"),
                entry(2, "crud.update", "{\"model\":\"Task\",\"id\":\"12\",\"fields\":{\"b\":2}}"),
                entry(3, "crud.update", "{\"model\":\"Task\",\"id\":12.0,\"fields\":{\"c\":3}}"),
                entry(4, "crud.update", "{\"model\":\"Task\",\"id\":1.2e1,\"fields\":{\"d\":4}}"),
                entry(5, "crud.update", "{\"model\":\"Task\",\"id\":\"012\",\"fields\":{\"e\":5}}"),
                entry(6, "crud.update", "{\"model\":\"Task\",\"id\":12.5,\"fields\":{\"f\":6}}"),
                // An escape sends the entry through the parser: the same rule there.
                entry(7, "crud.update", "{\"model\":\"T\\u0061sk\",\"id\":1.2E+1,\"fields\":{\"g\":7}}")));
        assertThat(folded).hasSize(4);
        assertThat(frames(folded.subList(0, 3))).containsExactly(
                "5 crud.update {\"model\":\"Task\",\"id\":\"012\",\"fields\":{\"e\":5}}",
                "6 crud.update {\"model\":\"Task\",\"id\":12.5,\"fields\":{\"f\":6}}",
                "7 crud.update {\"model\":\"T\\u0061sk\",\"id\":1.2E+1,\"fields\":{\"a\":1,\"b\":2,\"c\":3,"
                        + "\"d\":4,\"g\":7}}");
    }

    @Test
    void numbersAreWrittenAsJavaScriptWritesThem() {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("12", "12");
        cases.put("0", "0");
        cases.put("-123", "-123");
        cases.put("999999999999999", "999999999999999");
        // 16 digits: past 2^53 a double no longer holds every integer; JavaScript writes the double's shortest digits.
        cases.put("9007199254740993", "9007199254740992");
        cases.put("-9007199254740993", "-9007199254740992");
        cases.put("12.0", "12");
        cases.put("-0", "0");
        cases.put("1e2", "100");
        cases.put("123.456", "123.456");
        cases.put("0.000001", "0.000001");
        cases.put("1e-7", "1e-7");
        cases.put("1e21", "1e+21");
        cases.put("1e20", "100000000000000000000");
        cases.put("1.5e300", "1.5e+300");
        cases.put("-2.5e-10", "-2.5e-10");
        cases.put("12345678901234567890", "12345678901234567000");
        cases.put("0.1", "0.1");
        cases.put("1e400", "Infinity");
        cases.put("5e-324", "5e-324");
        cases.put("4.9e-324", "5e-324");
        cases.put("2e-323", "2e-323");
        cases.put("1.7976931348623157e308", "1.7976931348623157e+308");
        cases.put("true", "true");
        cases.put("null", "null");
        cases.forEach((literal, expected) -> assertThat(Compaction.asJavaScriptString(literal)).as(literal)
            .isEqualTo(expected));
    }

    @Test
    void aRecordWithNothingMergedKeepsItsJsonAsPublished() {
        String single = "{ \"id\": 9, \"model\": \"Task\", \"fields\": {\"n\": 1e400, \"deep\": [[{\"x\": []}]]} }";
        String delete = "{\"model\":\"Task\" , \"id\":7, \"why\":\"gone\"}";
        List<Compaction.Folded> folded = Compaction.fold(List.of(
                entry(1, "crud.update", single),
                entry(2, "crud.update", "{\"model\":\"Task\",\"id\":7,\"fields\":{\"a\":1}}"),
                entry(3, "crud.delete", delete),
                entry(4, "crud.update", "{\"model\":\"Task\",\"id\":9,\"trailing\":1} x")));
        assertThat(folded).extracting(e -> e.event().data()).containsExactly(single, delete,
                "{\"model\":\"Task\",\"id\":9,\"trailing\":1} x", "{\"entries\":4,\"events\":3,\"last_id\":\"1000-4\"}");
    }

    @Test
    void textThatIsNotJsonIsKeptAsItIsAndEscapesNameTheSameRecordAsTheirCharacters() {
        // Scanned, not parsed: a leading zero, a raw control character or a bad escape is not JSON, and is kept.
        List<Compaction.Folded> folded = Compaction.fold(List.of(
                entry(1, "crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"a\":1}}"),
                entry(2, "crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"a\":01}}"),
                entry(3, "crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"a\":\"x\ty\"}}"),
                entry(4, "crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"a\":\"\\q\"}}"),
                // "T\u0061sk" is "Task": the same record, folded with entry 1; the escaped field name is "b".
                entry(5, "crud.update", "{\"model\":\"T\\u0061sk\",\"id\":1,\"fields\":{\"\\u0062\":2}}")));
        assertThat(folded).extracting(e -> e.event().id().seq() + " " + e.event().data()).containsExactly(
                "2 {\"model\":\"Task\",\"id\":1,\"fields\":{\"a\":01}}",
                "3 {\"model\":\"Task\",\"id\":1,\"fields\":{\"a\":\"x\ty\"}}",
                "4 {\"model\":\"Task\",\"id\":1,\"fields\":{\"a\":\"\\q\"}}",
                "5 {\"model\":\"T\\u0061sk\",\"id\":1,\"fields\":{\"a\":1,\"b\":2}}",
                "5 {\"entries\":5,\"events\":4,\"last_id\":\"1000-5\"}");
    }

    @Test
    void aFoldedEventThatComesAfterAnEarlierEntrysRecordCarriesNoPositionToResumeFrom() {
        // Issue 14.1: Task 2's title change (1) is folded into its event at 4; resuming from Task 1's 3 would skip it.
        List<Compaction.Folded> folded = Compaction.fold(List.of(
                entry(1, "crud.update", "{\"model\":\"Task\",\"id\":2,\"fields\":{\"title\":\"T2 renamed\"}}"),
                entry(2, "crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"v\":1}}"),
                entry(3, "crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"v\":2}}"),
                entry(4, "crud.update", "{\"model\":\"Task\",\"id\":2,\"fields\":{\"state\":\"done\"}}"),
                entry(5, "notif", "{}"),
                entry(6, "crud.create", "{\"model\":\"Task\",\"id\":3}"),
                entry(7, "notif", "{}"),
                entry(8, "crud.delete", "{\"model\":\"Task\",\"id\":3}")));
        assertThat(folded).extracting(e -> e.event().id().seq() + " " + e.event().event() + " " + e.resumable())
            .containsExactly("3 crud.update false", "4 crud.update true", "5 notif true", "7 notif false",
                    "8 compacted true");
    }

    @Test
    void aClientThatAskedGetsALongBacklogFoldedThenLiveEvents() {
        Hub hub = hub(10);
        EventId cursor = hub.publish(List.of("u1"), Publication.of("notif", "{\"text\":\"before\"}")).get("u1");
        for (int n = 1; n <= 100; n++) {
            hub.publish(List.of("u1"), Publication.of("crud.update",
                    "{\"model\":\"Task\",\"id\":" + (n % 4) + ",\"fields\":{\"v\":" + n + "}}"));
        }
        EventId last = hub.publish(List.of("u1"), Publication.of("notif", "{\"text\":\"after\"}")).get("u1");
        RecordingOutput out = new RecordingOutput();
        hub.connect("u1", Cursor.after(cursor).compacting(), out);
        SseEvent compacted = out.events().awaitFirst("compacted", WAIT);
        assertThat(compacted.id()).isEqualTo(last.toString());
        assertThat(compacted.data()).isEqualTo("{\"entries\":101,\"events\":5,\"last_id\":\"" + last + "\"}");
        assertThat(out.events().published()).extracting(SseEvent::data).containsExactly(
                "{\"model\":\"Task\",\"id\":1,\"fields\":{\"v\":97}}",
                "{\"model\":\"Task\",\"id\":2,\"fields\":{\"v\":98}}",
                "{\"model\":\"Task\",\"id\":3,\"fields\":{\"v\":99}}",
                "{\"model\":\"Task\",\"id\":0,\"fields\":{\"v\":100}}",
                "{\"text\":\"after\"}",
                compacted.data());
        hub.publish(List.of("u1"), Publication.of("crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"v\":101}}"));
        hub.publish(List.of("u1"), Publication.of("crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"v\":102}}"));
        assertThat(out.events().awaitPublished(8, WAIT)).extracting(SseEvent::data).endsWith(
                "{\"model\":\"Task\",\"id\":1,\"fields\":{\"v\":101}}",
                "{\"model\":\"Task\",\"id\":1,\"fields\":{\"v\":102}}");
    }

    @Test
    void aBacklogOfLargeEventsIsFoldedInPartsAndEveryRecordEndsAtItsLatestState() {
        Hub hub = hub(10);
        EventId cursor = hub.publish(List.of("u1"), Publication.of("notif", "{}")).get("u1");
        String padding = "x".repeat(60_000);
        EventId last = null;
        for (int n = 1; n <= 200; n++) {
            last = hub.publish(List.of("u1"), Publication.of("crud.update", "{\"model\":\"Task\",\"id\":" + (n % 5)
                    + ",\"fields\":{\"v\":" + n + ",\"pad\":\"" + padding + "\"}}")).get("u1");
        }
        RecordingOutput out = new RecordingOutput();
        hub.connect("u1", Cursor.after(cursor).compacting(), out);
        String lastId = last.toString();
        List<SseEvent> events = out.events().await(e -> e.event().equals("compacted") && lastId.equals(e.id()), 1,
                WAIT);
        // 200 entries of 60 KB are 12 MB: more than one part of at most 8 MiB.
        assertThat(events).filteredOn(e -> e.event().equals("compacted")).hasSizeGreaterThan(1);
        java.util.Map<String, String> latest = new java.util.HashMap<>();
        for (SseEvent event : events) {
            if (event.event().equals("crud.update")) {
                latest.put(event.data().replaceAll(".*\"id\":(\\d+).*", "$1"),
                        event.data().replaceAll(".*\"v\":(\\d+).*", "$1"));
            }
        }
        assertThat(latest).containsOnly(java.util.Map.entry("0", "200"), java.util.Map.entry("1", "196"),
                java.util.Map.entry("2", "197"), java.util.Map.entry("3", "198"), java.util.Map.entry("4", "199"));
        assertThat(events.size()).as("folded, not replayed").isLessThan(50);
    }

    @Test
    void aShortBacklogOrAClientThatDidNotAskGetsEveryStep() {
        Hub hub = hub(10);
        EventId cursor = hub.publish(List.of("u1", "u2"), Publication.of("notif", "{}")).get("u1");
        EventId cursor2 = hub.publish(List.of("u2"), Publication.of("notif", "{}")).get("u2");
        for (int n = 1; n <= 10; n++) {
            hub.publish(List.of("u1"), Publication.of("crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"v\":" + n + "}}"));
        }
        for (int n = 1; n <= 30; n++) {
            hub.publish(List.of("u2"), Publication.of("crud.update", "{\"model\":\"Task\",\"id\":1,\"fields\":{\"v\":" + n + "}}"));
        }
        RecordingOutput shortBacklog = new RecordingOutput();
        hub.connect("u1", Cursor.after(cursor).compacting(), shortBacklog);
        RecordingOutput notAsked = new RecordingOutput();
        hub.connect("u2", Cursor.after(cursor2), notAsked);
        assertThat(shortBacklog.events().awaitPublished(10, WAIT)).hasSize(10);
        assertThat(notAsked.events().awaitPublished(30, WAIT)).hasSize(30);
        assertThat(shortBacklog.events().all()).noneMatch(e -> e.event().equals("compacted"));
        assertThat(notAsked.events().all()).noneMatch(e -> e.event().equals("compacted"));
    }

    @Test
    void compactedIsTheHubsOwnEventName() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Publication.of("compacted", "{}"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("the hub sends itself");
    }

    private Hub hub(int compactAbove) {
        HubSettings settings = new HubSettings(16, 1000, Duration.ofSeconds(15), Duration.ofMillis(5000),
                Duration.ofMinutes(30), 7, compactAbove);
        Hub hub = new Hub(new MemoryEngine(StreamSettings.defaults()), settings, new SimpleMeterRegistry());
        hubs.add(hub);
        return hub;
    }
}
