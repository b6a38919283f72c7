package dev.livehub.hub;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * What is appended to each addressed user's stream: an event name, its JSON data, and a publish id that lets an
 * engine append a retried or replayed publish only once.
 *
 * <p>Validation lives here so that every way in (the Java API, HTTP, other tools) refuses the same things with the
 * same words.
 */
public record Publication(String event, String data, String publishId) {

    /** The largest {@code data} accepted, in UTF-8 bytes: one event is a notification, not a file. */
    public static final int MAX_DATA_BYTES = 64 * 1024;

    /** Event names the hub sends on its own; a publisher cannot forge them. */
    public static final Set<String> HUB_EVENTS = Set.of("ready", "reset", "auth-expired", "compacted");

    /**
     * Event names no publisher may use: the hub's own ({@link #HUB_EVENTS}), those {@code EventSource} dispatches itself
     * ({@code error}, {@code open}, {@code message}: a published one would reach a page's connection handlers), and the
     * topics {@code app-stream.js} emits itself ({@code status}, {@code signed-out}).
     */
    public static final Set<String> RESERVED_EVENTS = Set.of("ready", "reset", "auth-expired", "compacted", "error",
            "open", "message", "status", "signed-out");

    private static final Pattern EVENT_NAME = Pattern.compile("[a-z0-9._-]{1,64}");

    /** The longest user id accepted, in characters (UTF-16 units): a principal name, not a document. */
    public static final int MAX_USER_ID_LENGTH = 256;

    /** 96 random bits, drawn once per process, in hex, and a dash: the start of every {@link #newPublishId}. */
    private static final String PROCESS_PREFIX = processPrefix();

    private static final AtomicLong PUBLISH_COUNTER = new AtomicLong();

    /**
     * @param publishId names this publication for retries: 1 to 64 characters. Publishing again with the same id
     *        appends to no stream twice; with the same id but another event or data it is refused
     *        ({@link PublishConflictException})
     */
    public Publication {
        requireEventName(event);
        if (data == null) {
            throw new IllegalArgumentException("event data is required (JSON text)");
        }
        int bytes = data.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_DATA_BYTES) {
            throw new IllegalArgumentException("event data is " + bytes + " bytes; at most " + MAX_DATA_BYTES
                    + " are accepted");
        }
        if (!isPublishId(publishId)) {
            throw new IllegalArgumentException("a publish id has 1 to 64 characters of Unicode text");
        }
    }

    /**
     * Whether {@code publishId} is 1 to 64 characters (code points) with no unpaired surrogate: two ids that differ only
     * there would have one UTF-8 form, and so one dedupe key.
     */
    public static boolean isPublishId(String publishId) {
        int characters = characters(publishId, 64);
        return characters >= 1 && characters <= 64;
    }

    /** A publication with a fresh publish id ({@link #newPublishId}). */
    public static Publication of(String event, String data) {
        return new Publication(event, data, newPublishId());
    }

    /**
     * A fresh publish id, as the hub makes one for a publication that came without: this process's
     * {@linkplain #PROCESS_PREFIX prefix} and the next value of a counter, e.g. {@code 9f0c2a41d7e35b86c1a4e0f2-1b}.
     *
     * <p>Unique across nodes and restarts, which dedupe needs (an id seen again within the dedupe window is taken for
     * a retry): within a process the counter never repeats (2^64 values), and two processes, on one node or many, draw
     * their 96-bit prefixes from {@link SecureRandom} independently, so two share one with a probability of about
     * 2^-96 a pair. Not a secret and not unguessable: it names a publication, it grants nothing. Unlike
     * {@link java.util.UUID#randomUUID}, it reads no random bytes per publish (that was 4 % of a publish's CPU).
     */
    public static String newPublishId() {
        return PROCESS_PREFIX + Long.toHexString(PUBLISH_COUNTER.getAndIncrement());
    }

    private static String processPrefix() {
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random) + "-";
    }

    /** This publication addressed to {@code users}, for {@link Hub#publishAll}. */
    public Addressed to(Collection<String> users) {
        return new Addressed(users == null ? null : List.copyOf(users), this);
    }

    public static void requireEventName(String event) {
        if (event == null || !EVENT_NAME.matcher(event).matches()) {
            throw new IllegalArgumentException("an event name matches [a-z0-9._-]{1,64}, got "
                    + EventId.abbreviate(event));
        }
        if (HUB_EVENTS.contains(event)) {
            throw new IllegalArgumentException("'" + event + "' is an event the hub sends itself; pick another name");
        }
        if (RESERVED_EVENTS.contains(event)) {
            throw new IllegalArgumentException("'" + event + "' is reserved (EventSource and app-stream.js use it for "
                    + "their own signals); pick another name");
        }
    }

    /**
     * A user id is any Unicode text of 1 to {@value #MAX_USER_ID_LENGTH} characters (code points: {@code josé},
     * {@code Mary Ann} and an emoji each count as what they show), with no unpaired surrogate (which has no UTF-8 form,
     * so two such ids would share a key): keys carry it encoded ({@link dev.livehub.hub.engine.RedisKeys#encodeUser}),
     * so no character can break the Redis Cluster hash tag or operators' key patterns.
     */
    public static String requireUserId(String user) {
        if (!isUserId(user)) {
            throw new IllegalArgumentException("a user id has 1 to " + MAX_USER_ID_LENGTH
                    + " characters of Unicode text, got " + EventId.abbreviate(user));
        }
        return user;
    }

    /** Whether {@code user} is a user id a stream can belong to (see {@link #requireUserId}). */
    public static boolean isUserId(String user) {
        int characters = characters(user, MAX_USER_ID_LENGTH);
        return characters >= 1 && characters <= MAX_USER_ID_LENGTH;
    }

    /**
     * The code points of {@code text}; -1 when it is null or holds an unpaired surrogate (no UTF-8 form), and more than
     * {@code max} (without counting further) when it is longer than {@code max}.
     */
    static int characters(String text, int max) {
        if (text == null) {
            return -1;
        }
        if (text.length() > 2 * max) {
            return max + 1;
        }
        int characters = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            }
            else if (Character.isSurrogate(c)) {
                return -1;
            }
            characters++;
        }
        return characters;
    }
}
