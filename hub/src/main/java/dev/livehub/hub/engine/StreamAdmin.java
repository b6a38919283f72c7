package dev.livehub.hub.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.livehub.hub.EventId;

/**
 * What operators do to streams beside publishing and reading (the console, {@code hubctl}'s peers): find users with a
 * stream, trim one, and the nodes' heartbeats, through which every node sees the whole cluster. Thread-safe.
 */
public interface StreamAdmin {

    /**
     * Users that have a stream, whose id matches a glob ({@code *}, {@code ?}), at most {@code limit}, in no set order.
     */
    List<UserStream> users(String match, int limit);

    /**
     * Keeps only the newest {@code maxEntries} entries of a user's stream (exactly). A client behind what was removed
     * gets a {@code reset} when it resumes.
     *
     * @return the number of entries removed
     */
    long trim(String user, int maxEntries);

    /** Stores this node's heartbeat (a small JSON document) for {@code ttl}, under its name. */
    void reportNode(String name, String json, Duration ttl);

    /** Removes a node's heartbeat at once (a node that stops cleanly), instead of letting it expire. */
    void forgetNode(String name);

    /** Every live node's last heartbeat, by node name. */
    Map<String, String> nodes();

    /** One user's stream: how long it is and its newest entry. */
    record UserStream(String user, long length, EventId lastId) {
    }
}
