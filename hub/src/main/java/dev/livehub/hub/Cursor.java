package dev.livehub.hub;

import java.util.List;
import java.util.Optional;

/**
 * Where a client resumes: after a given id, or nowhere (a new client, which first gets a {@code ready} event that
 * carries the stream's current last id); and whether it asked for a long backlog to be compacted (see
 * {@link Compaction}).
 */
public final class Cursor {

    private static final Cursor NONE = new Cursor(null, false);

    private final EventId after;

    private final boolean compact;

    private Cursor(EventId after, boolean compact) {
        this.after = after;
        this.compact = compact;
    }

    public static Cursor none() {
        return NONE;
    }

    public static Cursor after(EventId id) {
        return new Cursor(id, false);
    }

    /**
     * The same position, and a backlog longer than the hub's {@code compact-above} is folded to the latest state of
     * each record instead of replayed step by step.
     */
    public Cursor compacting() {
        return after == null ? this : new Cursor(after, true);
    }

    public boolean compact() {
        return compact;
    }

    /**
     * The cursor a client sent: the {@code Last-Event-ID} header wins over the {@code last_id} parameter (the browser
     * sends the header on its own reconnects, which are newer than the page's stored id). A blank value counts as
     * absent, which is what an SSE {@code id:} with no value means.
     *
     * @throws IllegalArgumentException when the chosen value is not an event id
     */
    public static Cursor fromRequest(String lastEventIdHeader, String lastIdParameter) {
        String chosen = isBlank(lastEventIdHeader) ? lastIdParameter : lastEventIdHeader;
        return isBlank(chosen) ? none() : after(EventId.parse(chosen.strip()));
    }

    /**
     * The cursor of a request that may repeat the header or the parameter: more than one of either is refused, as a
     * client that sends two positions does not know where it is.
     *
     * @throws IllegalArgumentException with a sentence for the client
     */
    public static Cursor fromRequest(List<String> lastEventIdHeaders, List<String> lastIdParameters) {
        if (lastEventIdHeaders.size() > 1 || lastIdParameters.size() > 1) {
            throw new IllegalArgumentException("send one Last-Event-ID header or one last_id parameter, not several");
        }
        try {
            return fromRequest(lastEventIdHeaders.isEmpty() ? null : lastEventIdHeaders.getFirst(),
                    lastIdParameters.isEmpty() ? null : lastIdParameters.getFirst());
        }
        catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("the cursor (Last-Event-ID or last_id) is malformed: " + ex.getMessage(),
                    ex);
        }
    }

    /**
     * The {@code compact} parameter of a stream request: absent, {@code 0} or {@code false} is no, {@code 1} or
     * {@code true} yes.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static boolean compactParameter(String value) {
        if (value == null || value.equals("0") || value.equals("false")) {
            return false;
        }
        if (value.equals("1") || value.equals("true")) {
            return true;
        }
        throw new IllegalArgumentException("compact is 1 or 0 (true or false), got '"
                + (value.length() <= 8 ? value : value.substring(0, 8) + "...") + "'");
    }

    public Optional<EventId> id() {
        return Optional.ofNullable(after);
    }

    public boolean isNone() {
        return after == null;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    @Override
    public String toString() {
        return after == null ? "none" : "after " + after + (compact ? ", compacting" : "");
    }
}
