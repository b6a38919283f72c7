package dev.livehub.hub;

/**
 * A scan of JSON text that finds where values begin and end without building or decoding anything: what compaction
 * needs from every entry of a backlog (its {@code model}, {@code id} and where its {@code fields} are), at a fraction
 * of a JSON parser's cost per entry (a parser's buffers, symbol table and contexts, for 100 small entries per client,
 * cost more than writing the 100 entries out). It checks the grammar as strictly as a parser (RFC 8259: no leading
 * zeros, no raw control characters in strings, only JSON's escapes) and says {@link #MALFORMED} where a parser would
 * refuse the text. Strings are not decoded: a caller that meets a backslash where it compares text asks a parser.
 */
final class JsonScan {

    /** Returned instead of a position: the text is not JSON here. */
    static final int MALFORMED = -1;

    /** Nesting deeper than this is left to a parser (and its own limits). */
    private static final int MAX_DEPTH = 200;

    private JsonScan() {
    }

    static int skipWhitespace(String text, int at) {
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                break;
            }
            at++;
        }
        return at;
    }

    /** The position just past the value at {@code at} (no whitespace before it), or {@link #MALFORMED}. */
    static int skipValue(String text, int at) {
        return skipValue(text, at, 0);
    }

    private static int skipValue(String text, int at, int depth) {
        if (at >= text.length() || depth > MAX_DEPTH) {
            return MALFORMED;
        }
        char c = text.charAt(at);
        return switch (c) {
            case '"' -> skipString(text, at);
            case '{' -> skipContainer(text, at, '}', true, depth);
            case '[' -> skipContainer(text, at, ']', false, depth);
            case 't' -> literal(text, at, "true");
            case 'f' -> literal(text, at, "false");
            case 'n' -> literal(text, at, "null");
            default -> skipNumber(text, at);
        };
    }

    /**
     * Whether the string from its opening quote at {@code start} to {@code end} (just past its closing quote, as
     * {@link #skipString} found it) holds an escape. Looks at that string only: {@code String.lastIndexOf} from its
     * end went back to the start of the text for every string without one, and was the second cost of a compaction.
     */
    static boolean hasEscape(String text, int start, int end) {
        for (int i = start + 1; i < end - 1; i++) {
            if (text.charAt(i) == '\\') {
                return true;
            }
        }
        return false;
    }

    /** The position just past the string starting with the quote at {@code at}, or {@link #MALFORMED}. */
    static int skipString(String text, int at) {
        if (at >= text.length() || text.charAt(at) != '"') {
            return MALFORMED;
        }
        int i = at + 1;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '"') {
                return i + 1;
            }
            if (c < 0x20) {
                return MALFORMED;
            }
            if (c == '\\') {
                if (i + 1 >= text.length()) {
                    return MALFORMED;
                }
                char escaped = text.charAt(i + 1);
                if (escaped == 'u') {
                    if (i + 6 > text.length()) {
                        return MALFORMED;
                    }
                    for (int h = i + 2; h < i + 6; h++) {
                        if (Character.digit(text.charAt(h), 16) < 0) {
                            return MALFORMED;
                        }
                    }
                    i += 6;
                    continue;
                }
                if ("\"\\/bfnrt".indexOf(escaped) < 0) {
                    return MALFORMED;
                }
                i += 2;
                continue;
            }
            i++;
        }
        return MALFORMED;
    }

    private static int skipContainer(String text, int at, char close, boolean object, int depth) {
        int i = skipWhitespace(text, at + 1);
        if (i < text.length() && text.charAt(i) == close) {
            return i + 1;
        }
        while (true) {
            if (object) {
                i = skipString(text, i);
                if (i == MALFORMED) {
                    return MALFORMED;
                }
                i = skipWhitespace(text, i);
                if (i >= text.length() || text.charAt(i) != ':') {
                    return MALFORMED;
                }
                i = skipWhitespace(text, i + 1);
            }
            i = skipValue(text, i, depth + 1);
            if (i == MALFORMED) {
                return MALFORMED;
            }
            i = skipWhitespace(text, i);
            if (i >= text.length()) {
                return MALFORMED;
            }
            char c = text.charAt(i);
            if (c == close) {
                return i + 1;
            }
            if (c != ',') {
                return MALFORMED;
            }
            i = skipWhitespace(text, i + 1);
        }
    }

    private static int literal(String text, int at, String word) {
        return text.startsWith(word, at) ? at + word.length() : MALFORMED;
    }

    /** {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?} */
    private static int skipNumber(String text, int at) {
        int i = at;
        if (i < text.length() && text.charAt(i) == '-') {
            i++;
        }
        if (i >= text.length() || !digit(text.charAt(i))) {
            return MALFORMED;
        }
        if (text.charAt(i) == '0') {
            i++;
        }
        else {
            i = digits(text, i);
        }
        if (i < text.length() && text.charAt(i) == '.') {
            int after = digits(text, i + 1);
            if (after == i + 1) {
                return MALFORMED;
            }
            i = after;
        }
        if (i < text.length() && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            i++;
            if (i < text.length() && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
                i++;
            }
            int after = digits(text, i);
            if (after == i) {
                return MALFORMED;
            }
            i = after;
        }
        return i;
    }

    /** Where the run of ASCII digits that starts at {@code at} ends. */
    static int digits(String text, int at) {
        while (at < text.length() && digit(text.charAt(at))) {
            at++;
        }
        return at;
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }
}
