package dev.livehub.hub;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The data of an entry appended again (the console's replay, {@code hubctl replay}): the original data with
 * {@code "replayed_from": "<original id>"}, so a client can tell a replayed entry from a new one. An object keeps its
 * bytes (the field is added before its closing brace); data that is not an object is wrapped as {@code "value"}.
 */
public final class Replayed {

    private static final JsonMapper JSON = JsonMapper.shared();

    private Replayed() {
    }

    public static String data(HubEvent entry) {
        String id = entry.id().toString();
        JsonNode data;
        try {
            data = JSON.readTree(entry.data());
        }
        catch (JacksonException ex) {
            ObjectNode wrapped = JSON.createObjectNode();
            wrapped.put("value", entry.data());
            wrapped.put("replayed_from", id);
            return JSON.writeValueAsString(wrapped);
        }
        if (data instanceof ObjectNode object && !object.has("replayed_from")) {
            String text = entry.data().strip();
            String inside = text.substring(1, text.length() - 1);
            return "{" + inside + (object.isEmpty() ? "" : ",") + "\"replayed_from\":\"" + id + "\"}";
        }
        ObjectNode object;
        if (data instanceof ObjectNode original) {
            object = original;
        }
        else {
            object = JSON.createObjectNode();
            object.set("value", data);
        }
        object.put("replayed_from", id);
        return JSON.writeValueAsString(object);
    }
}
