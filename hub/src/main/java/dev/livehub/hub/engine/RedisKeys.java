package dev.livehub.hub.engine;

/**
 * The Redis names of the wire format, the one place they are spelled out. {@code hubctl} and the tests use these too.
 * The user id is the hash tag, so a user's stream, bell and publish ids share one Redis Cluster slot.
 */
public record RedisKeys(String prefix) {

    public static final String DEFAULT_PREFIX = "hub";

    public RedisKeys {
        if (prefix == null || prefix.isEmpty() || prefix.contains("{") || prefix.contains("}")) {
            throw new IllegalArgumentException("hub.redis.prefix must be non-empty and free of braces, got '"
                    + prefix + "'");
        }
    }

    /** {@code <prefix>:{<user>}:events}, the user's stream. */
    public String stream(String user) {
        return prefix + ":{" + user + "}:events";
    }

    /** {@code <prefix>:{<user>}:bell}, the shard channel that carries {@code <id>\n<event>\n<data>}. */
    public String bell(String user) {
        return prefix + ":{" + user + "}:bell";
    }

    /** {@code <prefix>:{<user>}:pub:<publishId>}, which remembers a publish for the dedupe window. */
    public String publishId(String user, String publishId) {
        return prefix + ":{" + user + "}:pub:" + publishId;
    }

    /** The pattern that {@code SCAN MATCH} uses to find every stream. */
    public String streamPattern() {
        return prefix + ":{*}:events";
    }

    /** {@code <prefix>:node:<name>}, a node's heartbeat (JSON, expiring), read by the console and {@code hubctl}. */
    public String node(String name) {
        return prefix + ":node:" + name;
    }

    /** The pattern that {@code SCAN MATCH} uses to find every node's heartbeat. */
    public String nodePattern() {
        return prefix + ":node:*";
    }

    /** The user of a stream key or bell channel of this prefix, or {@code null} when the name is not one. */
    public String userOf(String keyOrChannel) {
        String start = prefix + ":{";
        int end = keyOrChannel.lastIndexOf("}:");
        if (!keyOrChannel.startsWith(start) || end < start.length()) {
            return null;
        }
        return keyOrChannel.substring(start.length(), end);
    }
}
