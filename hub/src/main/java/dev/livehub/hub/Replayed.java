package dev.livehub.hub;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The data of an entry appended again (the console's replay, {@code hubctl replay}): the original data with
 * {@code "replayed_from": "<original id>"}, so a client can tell a replayed entry from a new one. The original's text
 * is kept as it was, never parsed and written again (a number such as {@code 1e400} stays as written): an object gets
 * the field before its closing brace; an object that has it already (a replay of a replay) is kept as it is, naming
 * the first original; JSON that is not an object is wrapped, {@code {"value": <data>, "replayed_from": ..}}; text that
 * is not JSON is wrapped as a string.
 */
public final class Replayed {

    private static final JsonMapper JSON = JsonMapper.shared();

    private Replayed() {
    }

    public static String data(HubEvent entry) {
        String id = entry.id().toString();
        String text = entry.data().strip();
        JsonNode data;
        try {
            data = JSON.readTree(text);
        }
        catch (JacksonException ex) {
            data = null;
        }
        String from = "\"replayed_from\":\"" + id + "\"}";
        if (data == null || data.isMissingNode()) {
            return "{\"value\":" + JSON.writeValueAsString(entry.data()) + "," + from;
        }
        if (data instanceof ObjectNode object) {
            if (object.has("replayed_from")) {
                return entry.data();
            }
            String inside = text.substring(1, text.length() - 1);
            return "{" + inside + (object.isEmpty() ? "" : ",") + from;
        }
        return "{\"value\":" + text + "," + from;
    }
}
