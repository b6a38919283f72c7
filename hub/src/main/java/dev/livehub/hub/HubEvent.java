package dev.livehub.hub;

/**
 * One entry of a user's stream: its id, the SSE event name and the JSON text sent as {@code data:}.
 */
public record HubEvent(EventId id, String event, String data) {
}
