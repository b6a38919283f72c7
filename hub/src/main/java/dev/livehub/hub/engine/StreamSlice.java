package dev.livehub.hub.engine;

import java.util.List;

import dev.livehub.hub.EventId;
import dev.livehub.hub.HubEvent;

/**
 * A read of one stream: its last id ({@code 0-0} when the stream does not exist), whether entries were ever removed
 * from its head (trimmed, expired or deleted), and the entries from the requested id on, inclusive.
 *
 * <p>Redis leaves {@code max-deleted-entry-id} at {@code 0-0} when {@code XADD MAXLEN} trims, so trimming is told by
 * {@code entries-added > length} instead.
 */
public record StreamSlice(EventId lastId, boolean headRemoved, List<HubEvent> entries) {

    public static StreamSlice empty() {
        return new StreamSlice(EventId.ZERO, false, List.of());
    }
}
