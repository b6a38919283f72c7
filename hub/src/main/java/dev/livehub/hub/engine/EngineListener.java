package dev.livehub.hub.engine;

import dev.livehub.hub.HubEvent;

/**
 * Where an engine delivers live entries. Calls for one user come in stream order. Implementations must not block: they
 * run on the engine's I/O thread.
 */
public interface EngineListener {

    /** A new entry of a subscribed user's stream. */
    void onEntry(String user, HubEvent entry);

    /**
     * Live delivery was interrupted (the pub/sub connection dropped): entries may go missing until
     * {@link #onLiveRestored()}, after which every stream must be re-read from its cursors.
     */
    default void onLiveLost() {
    }

    /** A message another node (or this one) sent with {@link Engine#broadcast}. */
    default void onBroadcast(String message) {
    }

    /** Every subscription is active again. Entries appended from now on are delivered live. */
    default void onLiveRestored() {
    }
}
