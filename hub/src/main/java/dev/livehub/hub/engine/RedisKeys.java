package dev.livehub.hub.engine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The Redis names of the wire format, the one place they are spelled out. {@code hubctl} and the tests use these too.
 * The user id is the hash tag, so a user's stream, bell and publish ids share one Redis Cluster slot.
 *
 * <p>A user id may be any text (a principal named {@code Mary Ann} or {@code josé}); inside a key it is written
 * {@linkplain #encodeUser encoded}: each UTF-8 byte outside {@code A-Z a-z 0-9 . _ @ + = : -} becomes {@code %XX}
 * (upper-case hex). Ids made only of those characters (numbers, most logins, e-mail addresses) are their own
 * encoding, so {@code hub:{42}:events} stays {@code hub:{42}:events}. Braces, spaces and glob characters never reach a
 * key, so the hash tag and operators' key patterns hold for every id.
 */
public record RedisKeys(String prefix) {

    public static final String DEFAULT_PREFIX = "hub";

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    public RedisKeys {
        if (prefix == null || prefix.isEmpty() || prefix.contains("{") || prefix.contains("}")) {
            throw new IllegalArgumentException("hub.redis.prefix must be non-empty and free of braces, got '"
                    + prefix + "'");
        }
    }

    /** {@code <prefix>:{<encoded user>}:events}, the user's stream. */
    public String stream(String user) {
        return prefix + ":{" + encodeUser(user) + "}:events";
    }

    /** {@code <prefix>:{<encoded user>}:bell}, the shard channel that carries {@code <id>\n<event>\n<data>}. */
    public String bell(String user) {
        return prefix + ":{" + encodeUser(user) + "}:bell";
    }

    /** {@code <prefix>:{<encoded user>}:pub:<publishId>}, which remembers a publish for the dedupe window. */
    public String publishId(String user, String publishId) {
        return prefix + ":{" + encodeUser(user) + "}:pub:" + publishId;
    }

    /** The pattern that {@code SCAN MATCH} uses to find every stream. */
    public String streamPattern() {
        return streamPattern("*");
    }

    /**
     * The {@code SCAN MATCH} pattern of the streams whose user id matches {@code userGlob}: its glob characters
     * ({@code * ? [ ] \}) are kept, everything else is encoded like a user id.
     */
    public String streamPattern(String userGlob) {
        StringBuilder pattern = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (char c : userGlob.toCharArray()) {
            if ("*?[]\\".indexOf(c) >= 0) {
                pattern.append(encodeUser(literal.toString())).append(c);
                literal.setLength(0);
            }
            else {
                literal.append(c);
            }
        }
        pattern.append(encodeUser(literal.toString()));
        return prefix + ":{" + pattern + "}:events";
    }

    /** {@code <prefix>:node:<name>}, a node's heartbeat (JSON, expiring), read by the console and {@code hubctl}. */
    public String node(String name) {
        return prefix + ":node:" + name;
    }

    /**
     * {@code <prefix>:node-users:<name>}, each user's open streams on a node (JSON, expiring), read by the console. Not
     * matched by {@link #nodePattern}.
     */
    public String nodeUsers(String name) {
        return prefix + ":node-users:" + name;
    }

    /**
     * {@code <prefix>:nodes}, the shard channel every node subscribes on its pub/sub connection for messages to all
     * nodes ({@link Engine#broadcast}). Not a user's channel: {@link #userOf} gives {@code null}.
     */
    public String nodesChannel() {
        return prefix + ":nodes";
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
        try {
            return decodeUser(keyOrChannel.substring(start.length(), end));
        }
        catch (IllegalArgumentException ex) {
            return null;
        }
    }

    /**
     * A user id as it appears inside a key: every UTF-8 byte outside {@code A-Z a-z 0-9 . _ @ + = : -} as
     * {@code %XX}, upper-case hex; the others as they are. The same rule is in {@code hub_publish.lua} (which refuses
     * a key not encoded this way) and in {@code examples/php/LiveHub.php}.
     */
    public static String encodeUser(String user) {
        StringBuilder encoded = new StringBuilder(user.length());
        for (byte b : user.getBytes(StandardCharsets.UTF_8)) {
            if (plain(b)) {
                encoded.append((char) b);
            }
            else {
                encoded.append('%').append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
            }
        }
        return encoded.toString();
    }

    /**
     * The user id of an {@linkplain #encodeUser encoded} key segment.
     *
     * @throws IllegalArgumentException when the segment is not exactly how {@link #encodeUser} writes some id
     */
    public static String decodeUser(String segment) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%' && i + 2 < segment.length() && hex(segment.charAt(i + 1)) >= 0
                    && hex(segment.charAt(i + 2)) >= 0) {
                byte b = (byte) (hex(segment.charAt(i + 1)) << 4 | hex(segment.charAt(i + 2)));
                if (plain(b)) {
                    throw new IllegalArgumentException("'" + segment + "' encodes a plain character");
                }
                bytes.write(b);
                i += 2;
            }
            else if (c < 0x80 && plain((byte) c)) {
                bytes.write(c);
            }
            else {
                throw new IllegalArgumentException("'" + segment + "' is not an encoded user id");
            }
        }
        String user = bytes.toString(StandardCharsets.UTF_8);
        if (!encodeUser(user).equals(segment)) {
            throw new IllegalArgumentException("'" + segment + "' is not valid UTF-8 once decoded");
        }
        return user;
    }

    private static boolean plain(byte b) {
        return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '.' || b == '_'
                || b == '@' || b == '+' || b == '=' || b == ':' || b == '-';
    }

    private static int hex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }
}
