package dev.livehub.ops;

import java.util.Set;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

import dev.livehub.hub.HubEvent;
import dev.livehub.hub.Publication;
import dev.livehub.hub.publishing.HttpPublishing;

/**
 * Entries as JSON lines, {@code {"id":"..","event":"..","data":".."}}: {@code data} is the entry's text as a JSON
 * string, so an export imported elsewhere gives back the very same bytes.
 */
final class EntryLines {

    static final JsonMapper JSON = new JsonMapper();

    /** Reads numbers as exact decimals and integers, never as doubles (which turn 1e400 into Infinity). */
    private static final JsonMapper EXACT = JsonMapper.builder()
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .build();

    private static final Set<String> FIELDS = Set.of("id", "event", "data");

    private EntryLines() {
    }

    static String toLine(HubEvent entry) {
        ObjectNode line = JSON.createObjectNode();
        line.put("id", entry.id().toString());
        line.put("event", entry.event());
        line.put("data", entry.data());
        return JSON.writeValueAsString(line);
    }

    /**
     * {@code {"id":..,"event":..,"data":<the data as JSON>}}: for reading with jq ({@code .data.fields}); data that is
     * not JSON stays a string. Not for {@code import}, which takes data as a string.
     */
    static String toDataJsonLine(HubEvent entry) {
        ObjectNode line = JSON.createObjectNode();
        line.put("id", entry.id().toString());
        line.put("event", entry.event());
        JsonNode data;
        try {
            data = EXACT.readTree(entry.data());
        }
        catch (JacksonException ex) {
            line.put("data", entry.data());
            return JSON.writeValueAsString(line);
        }
        String text = entry.data();
        if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            // Valid JSON on one line: its own text, numbers as they were written (1e400 stays 1e400, not Infinity).
            line.putRawValue("data", new RawValue(text.strip()));
        }
        else {
            // Line breaks between its tokens: written again on one line, numbers as exact decimals.
            line.set("data", data);
        }
        return JSON.writeValueAsString(line);
    }

    /** An event and its data from one line; the id, if any, is dropped (imports get new ids). */
    record Parsed(String event, String data) {
    }

    static Parsed parse(String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        }
        catch (JacksonException ex) {
            throw new IllegalArgumentException("not JSON: " + ex.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object {\"event\":..,\"data\":..}");
        }
        for (String field : node.propertyNames()) {
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException("unknown field '" + field + "' (fields: id, event, data)");
            }
        }
        JsonNode event = node.get("event");
        JsonNode data = node.get("data");
        if (event == null || !event.isString()) {
            throw new IllegalArgumentException("'event' is a string");
        }
        if (data == null || !data.isString()) {
            throw new IllegalArgumentException("'data' is a string holding the entry's JSON text");
        }
        Publication.requireEventName(event.asString());
        return new Parsed(event.asString(), data.asString());
    }

    /** Checks that text is JSON, for data given on the command line. */
    /** {@code text} unchanged when {@code POST /hub/publish} would take it as data (one JSON value, no key twice). */
    static String requireJson(String text) {
        return HttpPublishing.requireData(text);
    }
}
