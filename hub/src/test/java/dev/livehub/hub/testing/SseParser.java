package dev.livehub.hub.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Parses an SSE byte stream line by line, as the HTML spec's EventSource does: fields {@code id}, {@code event},
 * {@code data} (joined with LF), {@code retry}; comments and unknown fields ignored; an event dispatched on a blank
 * line when it has data. Also counts comments and keeps the last retry, which the tests check.
 */
public final class SseParser {

    private final Consumer<SseEvent> sink;

    private final StringBuilder line = new StringBuilder();

    private final List<String> data = new ArrayList<>();

    private String id;

    private String lastId;

    private String event;

    private boolean pendingCr;

    private volatile long retry = -1;

    private volatile int comments;

    public SseParser(Consumer<SseEvent> sink) {
        this.sink = sink;
    }

    public synchronized void feed(String chunk) {
        for (int i = 0; i < chunk.length(); i++) {
            char c = chunk.charAt(i);
            if (pendingCr) {
                pendingCr = false;
                if (c == '\n') {
                    continue;
                }
            }
            if (c == '\r' || c == '\n') {
                pendingCr = c == '\r';
                onLine(line.toString());
                line.setLength(0);
            }
            else {
                line.append(c);
            }
        }
    }

    public long retry() {
        return retry;
    }

    public int comments() {
        return comments;
    }

    /** The id of the last dispatched event, as a browser would send it in Last-Event-ID. */
    public synchronized String lastEventId() {
        return lastId;
    }

    private void onLine(String text) {
        if (text.isEmpty()) {
            if (id != null) {
                lastId = id;
            }
            if (!data.isEmpty()) {
                sink.accept(new SseEvent(lastId, event == null ? "message" : event, String.join("\n", data)));
            }
            data.clear();
            event = null;
            id = null;
            return;
        }
        if (text.startsWith(":")) {
            comments++;
            return;
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "id" -> id = value;
            case "event" -> event = value;
            case "data" -> data.add(value);
            case "retry" -> {
                if (value.matches("[0-9]+")) {
                    retry = Long.parseLong(value);
                }
            }
            default -> { }
        }
    }
}
