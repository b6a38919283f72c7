package dev.livehub.hub;

import java.util.List;

import dev.livehub.hub.engine.StreamSlice;

/**
 * The resume rule of DESIGN.md, for one read from a cursor (inclusive): either the entries after the cursor, with no
 * gap, or a reset because the stream no longer holds what follows the cursor.
 *
 * <p>A cursor is good when it is the stream's last id, when the stream still holds the entry it names, or when it is
 * {@code 0-0} and nothing was ever removed from the stream. Anything else (trimmed, expired, newer than the stream, or
 * never in it, as after Redis lost data) is a reset: nothing is lost silently.
 */
record Resume(List<HubEvent> entries, String resetReason) {

    static Resume check(EventId cursor, StreamSlice slice) {
        if (cursor.equals(slice.lastId())) {
            return new Resume(List.of(), null);
        }
        if (cursor.isAfter(slice.lastId())) {
            return new Resume(List.of(), "unknown");
        }
        List<HubEvent> entries = slice.entries();
        if (!entries.isEmpty() && entries.getFirst().id().equals(cursor)) {
            return new Resume(entries.subList(1, entries.size()), null);
        }
        if (cursor.equals(EventId.ZERO) && !slice.headRemoved()) {
            return new Resume(entries, null);
        }
        // The reason is a hint for logs and clients; both mean "reload what you show".
        return new Resume(List.of(), slice.headRemoved() ? "trimmed" : "unknown");
    }

    boolean isReset() {
        return resetReason != null;
    }
}
