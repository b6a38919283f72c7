package dev.livehub.hub;

/**
 * The id of one entry in a user's stream, {@code <ms>-<seq>}, exactly as Redis stream ids are written. It is also
 * the SSE {@code id:} and therefore the client's cursor. Ids of one stream strictly increase.
 */
public record EventId(long ms, long seq) implements Comparable<EventId> {

    /** The id before every entry: a cursor of {@code 0-0} asks for the whole stream. */
    public static final EventId ZERO = new EventId(0, 0);

    public EventId {
        if (ms < 0 || seq < 0) {
            throw new IllegalArgumentException("an event id has two non-negative parts, got " + ms + "-" + seq);
        }
    }

    /**
     * Parses {@code <ms>-<seq>}.
     *
     * @throws IllegalArgumentException naming what is wrong; the message never echoes more than 40 characters of
     *         input, since the input is untrusted
     */
    public static EventId parse(String text) {
        if (!wellFormed(text)) {
            throw new IllegalArgumentException("an event id looks like 1700000000000-0 (<ms>-<seq>), got "
                    + abbreviate(text));
        }
        int dash = text.indexOf('-');
        try {
            return new EventId(Long.parseLong(text, 0, dash, 10), Long.parseLong(text, dash + 1, text.length(), 10));
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException("an event id's parts must each fit in 63 bits, got " + abbreviate(text));
        }
    }

    /**
     * {@code [0-9]{1,20}-[0-9]{1,20}}, checked by hand: every entry read and every publish answer parses ids, and a
     * regular expression's matcher cost more there than the rest of the parse.
     */
    private static boolean wellFormed(String text) {
        if (text == null) {
            return false;
        }
        int dash = text.indexOf('-');
        int length = text.length();
        if (dash < 1 || dash > 20 || length - dash - 1 < 1 || length - dash - 1 > 20) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (i != dash && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int compareTo(EventId other) {
        int byMs = Long.compare(ms, other.ms);
        return byMs != 0 ? byMs : Long.compare(seq, other.seq);
    }

    public boolean isAfter(EventId other) {
        return compareTo(other) > 0;
    }

    @Override
    public String toString() {
        return ms + "-" + seq;
    }

    static String abbreviate(String text) {
        if (text == null) {
            return "nothing";
        }
        // Counted and cut in characters (code points), never between the two halves of one.
        int characters = text.codePointCount(0, text.length());
        String shown = characters > 40 ? text.substring(0, text.offsetByCodePoints(0, 40)) + "... (" + characters
                + " characters)" : text;
        return "'" + shown.replaceAll("\\p{Cntrl}|\\p{Cs}", "?") + "'";
    }
}
