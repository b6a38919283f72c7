package dev.livehub.hub;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Catch-up compaction: a backlog folded to the latest state of each record, for a client that comes back after a long
 * absence and asked for it. Folds, per {@code model}+{@code id} of the {@code crud.*} events:
 * <ul>
 * <li>successive {@code crud.update}s into one, whose {@code fields} are the merged fields (later wins); when any of
 * them carries no {@code fields} (the record changed, reload it), neither does the folded one;</li>
 * <li>a {@code crud.create} and the updates after it into one {@code crud.create} with the merged fields;</li>
 * <li>updates followed by a {@code crud.delete} into the delete;</li>
 * <li>a {@code crud.create} followed by a {@code crud.delete} into nothing: the client never saw the record.</li>
 * </ul>
 * A delete followed by a create of the same id starts a new record. Every other event ({@code notif}, any name, data
 * that is not an object with a {@code model} and an {@code id}) is kept as it is.
 *
 * <p>Each folded event stands at the place of the last entry it covers, so the result is in id order. An event is
 * {@link Folded#resumable() resumable} only when every entry up to its own is reflected in it or in the events before
 * it; the others go out without an {@code id:} (an EventSource then keeps the last id it had, and so does
 * {@code app-stream.js}), because resuming from their id would skip an earlier entry whose record is folded further on
 * (issue 14.1: a title change folded behind 59 updates of another record). A connection cut anywhere in a compacted
 * catch-up therefore resumes from a position that loses nothing; it may get a folded record again, which is its latest
 * state again. The result ends with a {@code compacted} event whose id is the backlog's last id (even when that entry
 * was folded away), telling how many entries were folded into how many.
 */
final class Compaction {

    static final String EVENT = "compacted";

    /**
     * The most a catch-up holds before it folds (event names and data): a longer backlog is folded in parts, each
     * ending with its own {@code compacted}, so 16 streams catching up 1,000 entries of 60 KB never hold a gigabyte.
     */
    static final long MAX_BACKLOG_BYTES = 8L << 20;

    private static final JsonMapper json = JsonMapper.builder().build();

    private Compaction() {
    }

    /**
     * One event of a folded backlog.
     *
     * @param resumable whether a client may resume from this event's id: false when an entry before it belongs to a
     *        record whose folded event comes later, so the event goes out without an {@code id:}
     */
    record Folded(HubEvent event, boolean resumable) {
    }

    /** The folded backlog, ending with {@code compacted}; {@code backlog} in stream order, not empty. */
    static List<Folded> fold(List<HubEvent> backlog) {
        // Slot i holds what stands at backlog[i]'s place: the entry as it is, the record whose last entry it is
        // (turned into one event at the end, once), or null.
        Object[] slots = new Object[backlog.size()];
        Chain[] chainOf = new Chain[backlog.size()];
        Map<String, Chain> chains = new HashMap<>();
        for (int i = 0; i < backlog.size(); i++) {
            HubEvent entry = backlog.get(i);
            Crud crud = Crud.of(entry);
            if (crud == null) {
                slots[i] = entry;
                continue;
            }
            Chain chain = chains.get(crud.key());
            if (chain == null || !chain.absorb(crud)) {
                chain = new Chain(crud);
                chains.put(crud.key(), chain);
            }
            else {
                slots[chain.slot] = null;
            }
            chain.slot = i;
            chainOf[i] = chain;
            slots[i] = chain.gone ? null : chain;
        }
        List<Folded> folded = new ArrayList<>();
        // The furthest place at which an entry seen so far is delivered (its record's folded event, or itself).
        int reach = 0;
        for (int i = 0; i < slots.length; i++) {
            reach = Math.max(reach, chainOf[i] != null ? chainOf[i].slot : i);
            if (slots[i] instanceof Chain chain) {
                folded.add(new Folded(chain.event(backlog.get(i).id()), reach == i));
            }
            else if (slots[i] instanceof HubEvent entry) {
                folded.add(new Folded(entry, reach == i));
            }
        }
        EventId last = backlog.getLast().id();
        folded.add(new Folded(new HubEvent(last, EVENT, "{\"entries\":" + backlog.size() + ",\"events\":"
                + folded.size() + ",\"last_id\":\"" + last + "\"}"), true));
        return folded;
    }

    /** A crud event's parts: the action (create, update, delete), its record key and its JSON text. */
    private record Crud(String action, String key, String data) {

        static Crud of(HubEvent entry) {
            String action = switch (entry.event()) {
                case "crud.create" -> "create";
                case "crud.update" -> "update";
                case "crud.delete" -> "delete";
                default -> null;
            };
            if (action == null) {
                return null;
            }
            String key = recordKey(entry.data());
            return key == null ? null : new Crud(action, key, entry.data());
        }

        /**
         * The {@code model} and {@code id} of an object, read with a streaming parse that builds nothing else (an
         * entry may carry 60 KB of fields that only a merge needs); {@code null} when the text is not an object with
         * both as plain values, or not JSON at all: kept as it is, like any event the hub does not understand.
         */
        private static String recordKey(String data) {
            try (JsonParser parser = json.createParser(data)) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                String model = null;
                String id = null;
                boolean plain = true;
                while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                    String name = parser.currentName();
                    JsonToken value = parser.nextToken();
                    boolean scalar = value.isScalarValue();
                    if (name.equals("model") || name.equals("id")) {
                        plain &= scalar;
                        // A string id and a numeric one are different records, as "1" and 1 are to JavaScript.
                        String text = !scalar ? null : (value == JsonToken.VALUE_STRING ? "s" : "v") + parser.getString();
                        if (name.equals("model")) {
                            model = text;
                        }
                        else {
                            id = text;
                        }
                    }
                    if (!scalar) {
                        parser.skipChildren();
                    }
                }
                if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                    return null;
                }
                return plain && model != null && id != null ? model + '\u0000' + id : null;
            }
            catch (JacksonException ex) {
                return null;
            }
        }
    }

    /**
     * The folded state of one record within the backlog: its action so far and the JSON texts that make its state
     * (the entry that set the action, then the updates after it), parsed only when more than one must be merged.
     */
    private static final class Chain {

        private String action;

        private final List<String> parts = new ArrayList<>(2);

        private boolean gone;

        private int slot;

        Chain(Crud first) {
            action = first.action();
            parts.add(first.data());
        }

        /** Folds the next event of this record in; false when it starts a new chain (a create after a delete). */
        boolean absorb(Crud next) {
            if (action.equals("delete")) {
                return false;
            }
            switch (next.action()) {
                case "delete" -> {
                    gone = action.equals("create");
                    action = "delete";
                    parts.clear();
                }
                case "update" -> { }
                default -> {
                    // A second create of a live record: the publisher's business; the latest one wins.
                    action = "create";
                    parts.clear();
                }
            }
            parts.add(next.data());
            return true;
        }

        HubEvent event(EventId id) {
            if (parts.size() == 1) {
                // Nothing merged: the publisher's JSON byte for byte.
                return new HubEvent(id, "crud." + action, parts.getFirst());
            }
            // The merged fields (later wins), or none when any part had none: the record changed, reload it.
            ObjectNode fields = json.createObjectNode();
            ObjectNode out = null;
            for (String part : parts) {
                out = (ObjectNode) json.readTree(part);
                if (fields != null && out.get("fields") instanceof ObjectNode more) {
                    fields.setAll(more);
                }
                else {
                    fields = null;
                }
            }
            if (fields == null) {
                out.remove("fields");
            }
            else {
                out.set("fields", fields);
            }
            return new HubEvent(id, "crud." + action, json.writeValueAsString(out));
        }
    }
}
