package dev.livehub.hub;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.io.JsonStringEncoder;
import tools.jackson.core.json.JsonFactory;

/**
 * Catch-up compaction: a backlog folded to the latest state of each record, for a client that comes back after a long
 * absence and asked for it. Folds, per {@code model}+{@code id} of the {@code crud.*} events:
 * <ul>
 * <li>successive {@code crud.update}s into one, whose {@code fields} are the merged fields (later wins); when any of
 * them carries no {@code fields} (the record changed, reload it), neither does the folded one;</li>
 * <li>a {@code crud.create} and the updates after it into one {@code crud.create} with the merged fields;</li>
 * <li>updates followed by a {@code crud.delete} into the delete;</li>
 * <li>a {@code crud.create} followed by a {@code crud.delete} into nothing: the client never saw the record.</li>
 * </ul>
 * A delete followed by a create of the same id starts a new record. Every other event ({@code notif}, any name, data
 * that is not an object with a {@code model} and an {@code id}) is kept as it is.
 *
 * <p>Each folded event stands at the place of the last entry it covers, so the result is in id order. An event is
 * {@link Folded#resumable() resumable} only when every entry up to its own is reflected in it or in the events before
 * it; the others go out without an {@code id:} (an EventSource then keeps the last id it had, and so does
 * {@code app-stream.js}), because resuming from their id would skip an earlier entry whose record is folded further on
 * (issue 14.1: a title change folded behind 59 updates of another record). A connection cut anywhere in a compacted
 * catch-up therefore resumes from a position that loses nothing; it may get a folded record again, which is its latest
 * state again. The result ends with a {@code compacted} event whose id is the backlog's last id (even when that entry
 * was folded away), telling how many entries were folded into how many.
 */
final class Compaction {

    static final String EVENT = "compacted";

    /**
     * The most a catch-up holds before it folds (event names and data): a longer backlog is folded in parts, each
     * ending with its own {@code compacted}, so 16 streams catching up 1,000 entries of 60 KB never hold a gigabyte.
     */
    static final long MAX_BACKLOG_BYTES = 8L << 20;

    /** Parsers only: no object mapping (a mapper's parser carries a deserialization context per call). */
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private static final JsonStringEncoder ENCODER = JsonStringEncoder.getInstance();

    /** Backlogs {@link #warmUp} folds: enough calls for the JIT's optimizing compiler to take the fold up. */
    static final int WARM_UP_FOLDS = 1500;

    private static final AtomicBoolean warming = new AtomicBoolean();

    private Compaction() {
    }

    /**
     * Folds made-up backlogs of every shape (same fields again, other fields, creates, deletes, other events) once per
     * JVM, on a background thread, so that the JIT has compiled the fold before the node's first reconnect storm. A
     * node meets its first storm right after it starts (a deploy, a failover: every client of a node that went away
     * comes back to the others at once), and there the fold ran cold: its first 250 folds of 100 entries took 1.1-1.6
     * ms each, the next 2,000 about 0.2 ms, 0.035 ms once compiled (the optimizing compiler's queue was long with
     * everything else the storm runs for the first time). Costs about 0.3 s of one core at start.
     */
    static void warmUpInBackground() {
        if (warming.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon().name("hub-compaction-warm-up").start(Compaction::warmUp);
        }
    }

    /** Folds {@link #WARM_UP_FOLDS} made-up backlogs of 100 entries; returns how many events they folded to. */
    static long warmUp() {
        List<List<HubEvent>> backlogs = new ArrayList<>();
        for (int shape = 0; shape < 8; shape++) {
            List<HubEvent> backlog = new ArrayList<>(100);
            for (int i = 0; i < 100; i++) {
                int record = i % (2 + shape);
                String key = shape % 2 == 0 ? "\"id\":" + record : "\"id\":\"r" + record + "\"";
                String event = i % 25 == 24 ? "notif" : i % 40 == 0 ? "crud.create" : i % 45 == 44 ? "crud.delete"
                        : "crud.update";
                String fields = shape < 4 ? "{\"v\":" + i + "}" : i % 3 == 0 ? "{\"title\":\"t" + i + "\",\"v\":" + i
                        + "}" : "{\"state\":\"s" + i % 4 + "\"}";
                backlog.add(new HubEvent(new EventId(1, i), event, event.equals("notif") ? "{\"text\":\"n" + i + "\"}"
                        : "{\"seq\":" + i + ",\"model\":\"M" + shape + "\"," + key + ",\"fields\":" + fields + "}"));
            }
            backlogs.add(backlog);
        }
        long events = 0;
        for (int n = 0; n < WARM_UP_FOLDS; n++) {
            events += fold(backlogs.get(n % backlogs.size())).size();
        }
        return events;
    }

    /**
     * One event of a folded backlog.
     *
     * @param resumable whether a client may resume from this event's id: false when an entry before it belongs to a
     *        record whose folded event comes later, so the event goes out without an {@code id:}
     */
    record Folded(HubEvent event, boolean resumable) {
    }

    /** The folded backlog, ending with {@code compacted}; {@code backlog} in stream order, not empty. */
    static List<Folded> fold(List<HubEvent> backlog) {
        // Slot i holds what stands at backlog[i]'s place: the entry as it is, the record whose last entry it is
        // (turned into one event at the end, once), or null.
        Object[] slots = new Object[backlog.size()];
        Chain[] chainOf = new Chain[backlog.size()];
        Map<String, Chain> chains = new HashMap<>();
        for (int i = 0; i < backlog.size(); i++) {
            HubEvent entry = backlog.get(i);
            Crud crud = Crud.of(entry);
            if (crud == null) {
                slots[i] = entry;
                continue;
            }
            Chain chain = chains.get(crud.key());
            if (chain == null || !chain.absorb(crud)) {
                chain = new Chain(crud);
                chains.put(crud.key(), chain);
            }
            else {
                slots[chain.slot] = null;
            }
            chain.slot = i;
            chainOf[i] = chain;
            slots[i] = chain.gone ? null : chain;
        }
        List<Folded> folded = new ArrayList<>();
        // The furthest place at which an entry seen so far is delivered (its record's folded event, or itself).
        int reach = 0;
        for (int i = 0; i < slots.length; i++) {
            reach = Math.max(reach, chainOf[i] != null ? chainOf[i].slot : i);
            if (slots[i] instanceof Chain chain) {
                folded.add(new Folded(chain.event(backlog.get(i).id()), reach == i));
            }
            else if (slots[i] instanceof HubEvent entry) {
                folded.add(new Folded(entry, reach == i));
            }
        }
        EventId last = backlog.getLast().id();
        folded.add(new Folded(new HubEvent(last, EVENT, "{\"entries\":" + backlog.size() + ",\"events\":"
                + folded.size() + ",\"last_id\":\"" + last + "\"}"), true));
        return folded;
    }

    /**
     * A scalar {@code model} or {@code id} as the browser's {@code String(value)} writes it, so that a record is the
     * one {@code app-stream.js} finds its row by ({@code '#row-' + String(id)}): {@code 12}, {@code "12"},
     * {@code 12.0} and {@code 1.2e1} are one record; {@code true} and {@code null} are their names. A number is
     * read as JavaScript reads it (an IEEE 754 double, so {@code 1e400} is {@code Infinity}) and written by
     * ECMAScript's Number::toString (ECMA-262, section 6.1.6.1.20): the shortest digits that read back as the same
     * double, in plain notation from 1e-6 up to 1e21, else as {@code 1.5e+21}.
     */
    static String asJavaScriptString(String literal) {
        if (isPlainInteger(literal)) {
            // Every integer of up to 15 digits is a double exactly, and JavaScript writes it as it is; -0 is 0.
            return literal.equals("-0") ? "0" : literal;
        }
        double value;
        try {
            value = Double.parseDouble(literal);
        }
        catch (NumberFormatException ex) {
            return literal; // true, false, null
        }
        if (value == 0) {
            return "0";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "Infinity" : "-Infinity";
        }
        // Double.toString gives the shortest digits that read back as the same double (JDK 19 and later), but never
        // fewer than two: where one digit reads back too (5e-324, which it writes 4.9E-324), JavaScript writes one.
        BigDecimal decimal = new BigDecimal(Double.toString(Math.abs(value))).stripTrailingZeros();
        if (decimal.precision() == 2) {
            BigDecimal one = decimal.round(new MathContext(1, RoundingMode.HALF_EVEN));
            if (Double.parseDouble(one.toString()) == Math.abs(value)) {
                decimal = one.stripTrailingZeros();
            }
        }
        String digits = decimal.unscaledValue().toString();
        int k = digits.length();
        int n = k - decimal.scale();
        StringBuilder out = new StringBuilder(value < 0 ? "-" : "");
        if (k <= n && n <= 21) {
            out.append(digits).repeat('0', n - k);
        }
        else if (0 < n && n <= 21) {
            out.append(digits, 0, n).append('.').append(digits, n, k);
        }
        else if (-6 < n && n <= 0) {
            out.append("0.").repeat('0', -n).append(digits);
        }
        else {
            out.append(digits.charAt(0));
            if (k > 1) {
                out.append('.').append(digits, 1, k);
            }
            out.append('e').append(n - 1 < 0 ? '-' : '+').append(Math.abs(n - 1));
        }
        return out.toString();
    }

    /** An integer of 1 to 15 digits as JSON writes one: a minus sign or none, no leading zero but in 0 itself. */
    private static boolean isPlainInteger(String literal) {
        int start = literal.startsWith("-") ? 1 : 0;
        int digits = literal.length() - start;
        return digits >= 1 && digits <= 15 && JsonScan.digits(literal, start) == literal.length()
                && (digits == 1 || literal.charAt(start) != '0');
    }

    /**
     * A crud event's parts: the action (create, update, delete), its record key, its JSON text, and where in that text
     * its {@code fields} property is ({@code fieldsName} at its name's opening quote, the value from {@code fieldsStart}
     * to {@code fieldsEnd}; all -1 when it has none), so a merge splices texts instead of building trees.
     */
    private record Crud(String action, String key, String data, boolean fieldsObject, int fieldsName,
            int fieldsStart, int fieldsEnd) {

        static Crud of(HubEvent entry) {
            String action = switch (entry.event()) {
                case "crud.create" -> "create";
                case "crud.update" -> "update";
                case "crud.delete" -> "delete";
                default -> null;
            };
            if (action == null) {
                return null;
            }
            Crud scanned = scan(action, entry.data());
            return scanned != ESCAPED ? scanned : read(action, entry.data());
        }

        /** What {@link #scan} says when a name or a record key holds an escape: a parser decodes it. */
        private static final Crud ESCAPED = new Crud("", "", "", false, -1, -1, -1);

        /**
         * {@link #read}'s answer from a {@link JsonScan}, which decodes nothing: the same unless a property name or
         * the {@code model} or {@code id} string holds a backslash ({@link #ESCAPED}: ask the parser).
         */
        private static Crud scan(String action, String data) {
            int length = data.length();
            int i = JsonScan.skipWhitespace(data, 0);
            if (i >= length || data.charAt(i) != '{') {
                return null;
            }
            String model = null;
            String id = null;
            boolean plain = true;
            boolean fieldsObject = false;
            int fieldsName = -1;
            int fieldsStart = -1;
            int fieldsEnd = -1;
            i = JsonScan.skipWhitespace(data, i + 1);
            boolean empty = i < length && data.charAt(i) == '}';
            if (empty) {
                i++;
            }
            while (!empty) {
                int nameEnd = JsonScan.skipString(data, i);
                if (nameEnd == JsonScan.MALFORMED) {
                    return null;
                }
                if (JsonScan.hasEscape(data, i, nameEnd)) {
                    return ESCAPED;
                }
                int nameStart = i;
                i = JsonScan.skipWhitespace(data, nameEnd);
                if (i >= length || data.charAt(i) != ':') {
                    return null;
                }
                int valueStart = JsonScan.skipWhitespace(data, i + 1);
                int valueEnd = JsonScan.skipValue(data, valueStart);
                if (valueEnd == JsonScan.MALFORMED) {
                    return null;
                }
                char first = data.charAt(valueStart);
                boolean scalar = first != '{' && first != '[';
                boolean isModel = data.startsWith("\"model\"", nameStart) && nameEnd - nameStart == 7;
                boolean isId = data.startsWith("\"id\"", nameStart) && nameEnd - nameStart == 4;
                if (isModel || isId) {
                    plain &= scalar;
                    String text = null;
                    if (scalar && first == '"') {
                        if (JsonScan.hasEscape(data, valueStart, valueEnd)) {
                            return ESCAPED;
                        }
                        text = data.substring(valueStart + 1, valueEnd - 1);
                    }
                    else if (scalar) {
                        text = asJavaScriptString(data.substring(valueStart, valueEnd));
                    }
                    if (isModel) {
                        model = text;
                    }
                    else {
                        id = text;
                    }
                }
                if (data.startsWith("\"fields\"", nameStart) && nameEnd - nameStart == 8) {
                    fieldsName = nameStart;
                    fieldsStart = valueStart;
                    fieldsEnd = valueEnd;
                    fieldsObject = first == '{';
                }
                i = JsonScan.skipWhitespace(data, valueEnd);
                if (i >= length) {
                    return null;
                }
                if (data.charAt(i) == '}') {
                    i++;
                    break;
                }
                if (data.charAt(i) != ',') {
                    return null;
                }
                i = JsonScan.skipWhitespace(data, i + 1);
            }
            if (JsonScan.skipWhitespace(data, i) != length) {
                return null;
            }
            return plain && model != null && id != null ? new Crud(action, model + '\u0000' + id, data,
                    fieldsObject, fieldsName, fieldsStart, fieldsEnd) : null;
        }

        /**
         * One streaming parse of an object that builds nothing (an entry may carry 60 KB of fields that only a merge
         * needs): its {@code model} and {@code id}, and where its {@code fields} are; {@code null} when the text is not
         * an object with both as plain values, or not JSON at all: kept as it is, like any event the hub does not
         * understand.
         */
        private static Crud read(String action, String data) {
            try (JsonParser parser = JSON.createParser(ObjectReadContext.empty(), data)) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                String model = null;
                String id = null;
                boolean plain = true;
                boolean fieldsObject = false;
                int fieldsName = -1;
                int fieldsStart = -1;
                int fieldsEnd = -1;
                while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                    String name = parser.currentName();
                    int nameAt = (int) parser.currentTokenLocation().getCharOffset();
                    JsonToken value = parser.nextToken();
                    boolean scalar = value.isScalarValue();
                    if (name.equals("model") || name.equals("id")) {
                        plain &= scalar;
                        String text = !scalar ? null
                                : value == JsonToken.VALUE_STRING ? parser.getString()
                                        : asJavaScriptString(parser.getString());
                        if (name.equals("model")) {
                            model = text;
                        }
                        else {
                            id = text;
                        }
                    }
                    if (name.equals("fields")) {
                        fieldsName = nameAt;
                        fieldsStart = (int) parser.currentTokenLocation().getCharOffset();
                        fieldsObject = value == JsonToken.START_OBJECT;
                    }
                    if (!scalar) {
                        parser.skipChildren();
                    }
                    if (name.equals("fields")) {
                        // Past the value's last character: a string's or number's end, or the closing bracket.
                        parser.finishToken();
                        fieldsEnd = (int) parser.currentLocation().getCharOffset();
                    }
                }
                if (parser.currentToken() != JsonToken.END_OBJECT || parser.nextToken() != null) {
                    return null;
                }
                return plain && model != null && id != null ? new Crud(action, model + '\u0000' + id, data,
                        fieldsObject, fieldsName, fieldsStart, fieldsEnd) : null;
            }
            catch (JacksonException ex) {
                return null;
            }
        }

        /** The properties of its {@code fields} object, each name with its value's JSON text, into {@code into}. */
        void fieldsInto(Map<String, String> into) {
            // Scanned (the text is known to be JSON): names without escapes are their own text.
            int i = JsonScan.skipWhitespace(data, fieldsStart + 1);
            while (data.charAt(i) != '}') {
                int nameEnd = JsonScan.skipString(data, i);
                if (JsonScan.hasEscape(data, i, nameEnd)) {
                    // Later wins, in the first place: the parser's pass puts this object's names again, alike.
                    parseFieldsInto(into);
                    return;
                }
                String name = data.substring(i + 1, nameEnd - 1);
                int valueStart = valueAt(data, nameEnd);
                int valueEnd = JsonScan.skipValue(data, valueStart);
                into.put(name, data.substring(valueStart, valueEnd));
                i = nextName(data, valueEnd);
            }
        }

        /**
         * Whether its {@code fields} object has the same property names as {@code other}'s, in the same order, as
         * written (a name escaped in one and not in the other reads as different: the caller then merges). Both have
         * a {@code fields} object.
         */
        boolean sameFieldNames(Crud other) {
            String theirs = other.data;
            int i = JsonScan.skipWhitespace(data, fieldsStart + 1);
            int j = JsonScan.skipWhitespace(theirs, other.fieldsStart + 1);
            while (data.charAt(i) != '}' && theirs.charAt(j) != '}') {
                int nameEnd = JsonScan.skipString(data, i);
                int theirEnd = JsonScan.skipString(theirs, j);
                if (nameEnd - i != theirEnd - j || !data.regionMatches(i, theirs, j, nameEnd - i)) {
                    return false;
                }
                i = nextName(data, JsonScan.skipValue(data, valueAt(data, nameEnd)));
                j = nextName(theirs, JsonScan.skipValue(theirs, valueAt(theirs, theirEnd)));
            }
            return data.charAt(i) == theirs.charAt(j);
        }

        /** Where the value of the property whose name ends at {@code nameEnd} starts (past the colon). */
        private static int valueAt(String text, int nameEnd) {
            return JsonScan.skipWhitespace(text, JsonScan.skipWhitespace(text, nameEnd) + 1);
        }

        /** Past a value that ends at {@code valueEnd} and the comma after it: the next name, or the closing brace. */
        private static int nextName(String text, int valueEnd) {
            int i = JsonScan.skipWhitespace(text, valueEnd);
            return text.charAt(i) == ',' ? JsonScan.skipWhitespace(text, i + 1) : i;
        }

        private void parseFieldsInto(Map<String, String> into) {
            String fields = data.substring(fieldsStart, fieldsEnd);
            try (JsonParser parser = JSON.createParser(ObjectReadContext.empty(), fields)) {
                parser.nextToken();
                while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                    String name = parser.currentName();
                    JsonToken value = parser.nextToken();
                    int start = (int) parser.currentTokenLocation().getCharOffset();
                    if (!value.isScalarValue()) {
                        parser.skipChildren();
                    }
                    parser.finishToken();
                    int end = (int) parser.currentLocation().getCharOffset();
                    // Later wins; a name seen before keeps its place (as a JSON object's setAll does).
                    into.put(name, fields.substring(start, end));
                }
            }
        }

        /** Its JSON text without its {@code fields} property (and the comma that separated it). */
        String withoutFields() {
            int from = fieldsName;
            int to = fieldsEnd;
            int before = from - 1;
            while (before >= 0 && Character.isWhitespace(data.charAt(before))) {
                before--;
            }
            if (data.charAt(before) == ',') {
                from = before;
            }
            else {
                int after = to;
                while (after < data.length() && Character.isWhitespace(data.charAt(after))) {
                    after++;
                }
                if (after < data.length() && data.charAt(after) == ',') {
                    to = after + 1;
                }
            }
            return data.substring(0, from) + data.substring(to);
        }
    }

    /**
     * The folded state of one record within the backlog: its action so far and the entries that make its state (the
     * entry that set the action, then the updates after it), merged only when there is more than one.
     */
    private static final class Chain {

        private String action;

        private final List<Crud> parts = new ArrayList<>(2);

        private boolean gone;

        private int slot;

        Chain(Crud first) {
            action = first.action();
            parts.add(first);
        }

        /** Folds the next event of this record in; false when it starts a new chain (a create after a delete). */
        boolean absorb(Crud next) {
            if (action.equals("delete")) {
                return false;
            }
            switch (next.action()) {
                case "delete" -> {
                    gone = action.equals("create");
                    action = "delete";
                    parts.clear();
                }
                case "update" -> { }
                default -> {
                    // A second create of a live record: the publisher's business; the latest one wins.
                    action = "create";
                    parts.clear();
                }
            }
            parts.add(next);
            return true;
        }

        HubEvent event(EventId id) {
            Crud last = parts.getLast();
            if (parts.size() == 1) {
                // Nothing merged: the publisher's JSON byte for byte.
                return new HubEvent(id, "crud." + action, last.data());
            }
            // The merged fields (later wins) in the latest entry's place, or none when any part had none: the record
            // changed, reload it. Every other property is the latest entry's, as its publisher wrote it.
            boolean merge = true;
            for (Crud part : parts) {
                merge &= part.fieldsObject();
            }
            if (!merge) {
                return new HubEvent(id, "crud." + action, last.fieldsName() < 0 ? last.data() : last.withoutFields());
            }
            boolean sameNames = true;
            for (int p = 0; p < parts.size() - 1 && sameNames; p++) {
                sameNames = parts.get(p).sameFieldNames(last);
            }
            if (sameNames) {
                // Every part sets the latest one's fields, in its order: later wins everywhere, so the merge is the
                // latest entry's own fields, and the event its publisher's JSON byte for byte (the usual backlog:
                // the same fields of a record changed again and again, folded without a map).
                return new HubEvent(id, "crud." + action, last.data());
            }
            Map<String, String> fields = new LinkedHashMap<>();
            for (Crud part : parts) {
                part.fieldsInto(fields);
            }
            StringBuilder data = new StringBuilder(last.data().length() + 16 * fields.size());
            data.append(last.data(), 0, last.fieldsStart()).append('{');
            fields.forEach((name, value) -> {
                if (data.charAt(data.length() - 1) != '{') {
                    data.append(',');
                }
                data.append('"');
                ENCODER.quoteAsString(name, data);
                data.append("\":").append(value);
            });
            data.append('}').append(last.data(), last.fieldsEnd(), last.data().length());
            return new HubEvent(id, "crud." + action, data.toString());
        }
    }
}
