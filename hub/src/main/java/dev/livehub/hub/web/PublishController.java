package dev.livehub.hub.web;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.Publication;
import dev.livehub.hub.engine.EngineException;

/**
 * {@code POST /hub/publish}: publishing over HTTP for any backend, with {@code Authorization: Bearer <token>} and
 * {@code {"users":["42"],"event":"crud.update","data":{...},"publish_id":"optional, makes retries safe"}}. Answers
 * 202 with {@code {"ids":{"42":"<id>"}}}; 404 while no token is configured.
 */
@RestController
public class PublishController {

    private static final Logger log = LoggerFactory.getLogger(PublishController.class);

    private static final Set<String> FIELDS = Set.of("users", "event", "data", "publish_id");

    /** Users, event and data of at most 64 KiB, with room to spare; more is refused before it is parsed. */
    private static final int MAX_BODY_BYTES = 1024 * 1024;

    private final Hub hub;

    private final JsonMapper json;

    private final byte[] token;

    private final int maxUsers;

    public PublishController(Hub hub, JsonMapper json, String token, int maxUsers) {
        this.hub = hub;
        this.json = json;
        this.token = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
        this.maxUsers = maxUsers;
    }

    @PostMapping("/hub/publish")
    public ResponseEntity<byte[]> publish(HttpServletRequest request) throws IOException {
        authorize(request.getHeader(HttpHeaders.AUTHORIZATION));
        JsonNode body = parse(request);
        List<String> users = users(body.get("users"));
        Publication publication;
        try {
            String event = body.path("event").isString() ? body.path("event").asString() : null;
            if (!body.has("data")) {
                throw new IllegalArgumentException("'data' is required: the JSON sent to the users");
            }
            String data = json.writeValueAsString(body.get("data"));
            JsonNode publishId = body.get("publish_id");
            if (publishId != null && !publishId.isString()) {
                throw new IllegalArgumentException("'publish_id' is a string");
            }
            publication = publishId == null ? Publication.of(event, data)
                    : new Publication(event, data, publishId.asString());
        }
        catch (IllegalArgumentException ex) {
            throw badRequest(ex.getMessage());
        }
        Map<String, EventId> ids;
        try {
            ids = hub.publish(users, publication);
        }
        catch (EngineException ex) {
            log.warn("POST /hub/publish of '{}' to {} users failed: {}", publication.event(), users.size(),
                    ex.getMessage());
            throw new HubWebException(HttpStatus.SERVICE_UNAVAILABLE, "store_unavailable",
                    "the event store is unavailable; retry with the same publish_id");
        }
        Map<String, String> answer = new LinkedHashMap<>();
        ids.forEach((user, id) -> answer.put(user, id.toString()));
        return ResponseEntity.status(HttpStatus.ACCEPTED)
            .contentType(MediaType.APPLICATION_JSON)
            .body(json.writeValueAsBytes(Map.of("ids", answer)));
    }

    @ExceptionHandler(HubWebException.class)
    ResponseEntity<byte[]> refuse(HubWebException ex) {
        return ex.toResponse();
    }

    private void authorize(String header) {
        if (token == null) {
            throw new HubWebException(HttpStatus.NOT_FOUND, "not_found",
                    "publishing over HTTP is off; set hub.publish.token to turn it on");
        }
        String prefix = "Bearer ";
        byte[] given = header != null && header.regionMatches(true, 0, prefix, 0, prefix.length())
                ? header.substring(prefix.length()).strip().getBytes(StandardCharsets.UTF_8) : new byte[0];
        // Constant time, so the token cannot be guessed byte by byte from response times.
        if (!MessageDigest.isEqual(given, token)) {
            throw new HubWebException(HttpStatus.UNAUTHORIZED, "bad_token",
                    "send Authorization: Bearer <hub.publish.token>");
        }
    }

    private JsonNode parse(HttpServletRequest request) throws IOException {
        byte[] bytes;
        try (InputStream in = request.getInputStream()) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw new HubWebException(HttpStatus.CONTENT_TOO_LARGE, "too_large",
                    "the body is over " + MAX_BODY_BYTES + " bytes; event data may have at most "
                            + Publication.MAX_DATA_BYTES);
        }
        JsonNode body;
        try {
            body = json.readTree(bytes);
        }
        catch (JacksonException ex) {
            throw badRequest("the body is not valid JSON: " + ex.getOriginalMessage());
        }
        if (body == null || !body.isObject()) {
            throw badRequest("the body is a JSON object: {\"users\":[\"42\"],\"event\":\"crud.update\",\"data\":{}}");
        }
        for (String field : body.propertyNames()) {
            if (!FIELDS.contains(field)) {
                throw badRequest("unknown field '" + field + "'; the fields are users, event, data, publish_id");
            }
        }
        return body;
    }

    private List<String> users(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw badRequest("'users' is a non-empty array of user ids");
        }
        if (node.size() > maxUsers) {
            throw badRequest("'users' names " + node.size() + " users; at most " + maxUsers
                    + " per call (hub.publish.max-users)");
        }
        List<String> users = new ArrayList<>(node.size());
        for (JsonNode user : node) {
            if (!user.isString()) {
                throw badRequest("'users' holds strings, got " + user.getNodeType().name().toLowerCase());
            }
            try {
                users.add(Publication.requireUserId(user.asString()));
            }
            catch (IllegalArgumentException ex) {
                throw badRequest(ex.getMessage());
            }
        }
        return users;
    }

    private static HubWebException badRequest(String message) {
        return new HubWebException(HttpStatus.BAD_REQUEST, "bad_request", message);
    }
}
