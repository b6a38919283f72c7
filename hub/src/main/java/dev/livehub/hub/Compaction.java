package dev.livehub.hub;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
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
 * <p>Each folded event keeps the id of the last entry it covers, and the result is in id order, so a client's
 * {@code Last-Event-ID} only moves forward. The result ends with a {@code compacted} event whose id is the backlog's last
 * id (even when that entry was folded away), telling how many entries were folded into how many.
 */
final class Compaction {

    static final String EVENT = "compacted";

    private static final JsonMapper json = JsonMapper.builder().build();

    private Compaction() {
    }

    /** The folded backlog; {@code backlog} in stream order, not empty. */
    static List<HubEvent> fold(List<HubEvent> backlog) {
        // Slot i holds what stands at backlog[i]'s place: the entry as it is, the record whose last entry it is
        // (turned into one event at the end, once), or null.
        Object[] slots = new Object[backlog.size()];
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
            slots[i] = chain.gone ? null : chain;
        }
        List<HubEvent> folded = new ArrayList<>();
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] instanceof Chain chain) {
                folded.add(chain.event(backlog.get(i).id()));
            }
            else if (slots[i] instanceof HubEvent entry) {
                folded.add(entry);
            }
        }
        EventId last = backlog.getLast().id();
        folded.add(new HubEvent(last, EVENT, "{\"entries\":" + backlog.size() + ",\"events\":" + folded.size()
                + ",\"last_id\":\"" + last + "\"}"));
        return folded;
    }

    /** A crud event's parts: the action (create, update, delete), its record key and its data. */
    private record Crud(String action, String key, ObjectNode data) {

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
            try {
                if (json.readTree(entry.data()) instanceof ObjectNode data && data.get("model") != null
                        && data.get("id") != null && data.get("model").isValueNode() && data.get("id").isValueNode()) {
                    return new Crud(action, data.get("model").asString() + '\u0000' + data.get("id").toString(), data);
                }
            }
            catch (JacksonException ex) {
                // Not JSON: kept as it is, like any event the hub does not understand.
            }
            return null;
        }
    }

    /** The folded state of one record within the backlog. */
    private static final class Chain {

        private String action;

        private ObjectNode data;

        /** The fields seen so far, or null once an event without fields said "reload the record". */
        private ObjectNode fields;

        private boolean gone;

        private int slot;

        Chain(Crud first) {
            action = first.action();
            data = first.data();
            fields = fieldsOf(first.data());
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
                    data = next.data();
                }
                case "update" -> {
                    ObjectNode more = fieldsOf(next.data());
                    fields = fields == null || more == null ? null : fields.setAll(more);
                    data = next.data();
                }
                default -> {
                    // A second create of a live record: the publisher's business; the latest one wins.
                    action = "create";
                    data = next.data();
                    fields = fieldsOf(next.data());
                }
            }
            return true;
        }

        HubEvent event(EventId id) {
            ObjectNode out = data.deepCopy();
            if (!action.equals("delete")) {
                if (fields == null) {
                    out.remove("fields");
                }
                else {
                    out.set("fields", fields);
                }
            }
            return new HubEvent(id, "crud." + action, json.writeValueAsString(out));
        }

        private static ObjectNode fieldsOf(ObjectNode data) {
            return data.get("fields") instanceof ObjectNode fields ? fields.deepCopy() : null;
        }
    }
}
