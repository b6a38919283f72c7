package dev.livehub.hub;

import java.nio.charset.StandardCharsets;

/**
 * The SSE wire format (https://html.spec.whatwg.org/multipage/server-sent-events.html). {@code id} and {@code event}
 * are stripped of CR and LF and {@code data} is split on every line ending, so no value can end a field early or
 * inject a second event.
 */
public final class SseFrames {

    private SseFrames() {
    }

    /** Appends one event: {@code id:}, {@code event:}, one {@code data:} line per line of data, a blank line. */
    public static void appendEvent(StringBuilder out, HubEvent event) {
        appendEvent(out, event, true);
    }

    /**
     * Appends one event, without its {@code id:} line when {@code withId} is false: the browser's last event id then
     * stays what it was, for an event whose id is no position to resume from (see {@link Compaction}).
     */
    public static void appendEvent(StringBuilder out, HubEvent event, boolean withId) {
        if (withId) {
            out.append("id: ").append(singleLine(event.id().toString())).append('\n');
        }
        out.append("event: ").append(singleLine(event.event())).append('\n');
        String data = event.data();
        int start = 0;
        for (int i = 0; i < data.length(); i++) {
            char c = data.charAt(i);
            if (c == '\r' || c == '\n') {
                out.append("data: ").append(data, start, i).append('\n');
                if (c == '\r' && i + 1 < data.length() && data.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        out.append("data: ").append(data, start, data.length()).append("\n\n");
    }

    /**
     * An event of the hub's own without an {@code id:} ({@code auth-expired}), so the browser's last id stays that of
     * the last entry it received. {@code data} is one line of JSON made by the hub.
     */
    public static void appendSignal(StringBuilder out, String event, String data) {
        out.append("event: ").append(singleLine(event)).append('\n');
        out.append("data: ").append(singleLine(data)).append("\n\n");
    }

    /** The first bytes of a stream: the reconnection delay, and a comment so proxies flush the headers at once. */
    public static byte[] preamble(long retryMillis) {
        return ("retry: " + retryMillis + "\n: connected\n\n").getBytes(StandardCharsets.UTF_8);
    }

    /** A comment line: ignored by clients, it keeps the connection busy for proxies. */
    public static void appendComment(StringBuilder out, String text) {
        out.append(": ").append(singleLine(text)).append("\n\n");
    }

    /** A new {@code retry:} on its own, sent before the hub ends a stream on purpose. */
    public static void appendRetry(StringBuilder out, long retryMillis) {
        out.append("retry: ").append(retryMillis).append("\n\n");
    }

    private static String singleLine(String value) {
        return value.indexOf('\r') < 0 && value.indexOf('\n') < 0 ? value : value.replace("\r", "").replace("\n", "");
    }
}
