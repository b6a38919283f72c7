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
     * The users a glob of {@link #users} matches, as a regular expression: {@code *} any characters, {@code ?} one,
     * every other character itself.
     */
    static java.util.regex.Pattern glob(String match) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : match.toCharArray()) {
            if (c == '*' || c == '?') {
                if (!literal.isEmpty()) {
                    regex.append(java.util.regex.Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                regex.append(c == '*' ? ".*" : ".");
            }
            else {
                literal.append(c);
            }
        }
        if (!literal.isEmpty()) {
            regex.append(java.util.regex.Pattern.quote(literal.toString()));
        }
        return java.util.regex.Pattern.compile(regex.toString(), java.util.regex.Pattern.DOTALL);
    }

    /**
     * Keeps only the newest {@code maxEntries} entries of a user's stream (exactly). A client behind what was removed
     * gets a {@code reset} when it resumes.
     *
     * @return the number of entries removed
     */
    long trim(String user, int maxEntries);

    /** Stores this node's heartbeat (a small JSON document) for {@code ttl}, under its name. */
    void reportNode(String name, String json, Duration ttl);

    /**
     * Stores how many streams each user has open on this node (a JSON object, user id to count) for {@code ttl},
     * beside its heartbeat and apart from it: at thousands of users it is the larger part by far, and it changes only
     * when streams open or close, so a node stores it only then and otherwise only {@linkplain #keepNodeUsers keeps}
     * it.
     */
    void reportNodeUsers(String name, String json, Duration ttl);

    /**
     * Gives what {@link #reportNodeUsers} stored a new {@code ttl} without sending it again (on Redis, {@code
     * PEXPIRE}).
     *
     * @return {@code false} when the store no longer has it (expired, or the store lost it): report it again
     */
    boolean keepNodeUsers(String name, Duration ttl);

    /** What a node last stored with {@link #reportNodeUsers}, or {@code null} when the store has none. */
    String nodeUsers(String name);

    /** Removes a node's heartbeat and its users at once (a node that stops cleanly), instead of letting them expire. */
    void forgetNode(String name);

    /** Every live node's last heartbeat, by node name. */
    Map<String, String> nodes();

    /** One user's stream: how long it is and its newest entry. */
    record UserStream(String user, long length, EventId lastId) {
    }
}
