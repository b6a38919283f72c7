package dev.livehub.hub.testing;

/** One SSE event as a browser's EventSource would dispatch it. */
public record SseEvent(String id, String event, String data) {
}
