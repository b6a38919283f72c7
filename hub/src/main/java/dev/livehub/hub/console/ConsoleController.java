package dev.livehub.hub.console;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.BeanWrapperImpl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.Publication;
import dev.livehub.hub.Replayed;
import dev.livehub.hub.engine.Engine;
import dev.livehub.hub.engine.EngineException;
import dev.livehub.hub.engine.StreamAdmin;
import dev.livehub.hub.engine.StreamSlice;
import dev.livehub.hub.publishing.HttpPublishing;

/**
 * The operators' console: {@code /hub/console} (a page and its script) and its JSON API under
 * {@code /hub/console/api}. Only for a signed-in user in the configured role (401 without a user, 403 in another role).
 * Every action that changes a stream (replay, trim, publish) must carry {@code X-Hub-Console: 1} (a page of another
 * site cannot send that header), and is logged with the operator's name.
 */
@RestController
public class ConsoleController {

    private static final Logger log = LoggerFactory.getLogger(ConsoleController.class);

    private static final int MAX_PAGE = 500;

    private static final int MAX_USERS = 1000;

    private final Hub hub;

    private final Engine engine;

    private final NodeHeartbeat heartbeat;

    private final String role;

    private final JsonMapper json = JsonMapper.shared();

    public ConsoleController(Hub hub, Engine engine, NodeHeartbeat heartbeat, String role) {
        this.hub = hub;
        this.engine = engine;
        this.heartbeat = heartbeat;
        this.role = role;
    }

    @GetMapping("/hub/console")
    ResponseEntity<String> page(HttpServletRequest request) throws IOException {
        try {
            operator(request);
        }
        catch (ConsoleRefusal refusal) {
            String accept = request.getHeader("Accept");
            if (accept == null || !accept.contains("text/html")) {
                throw refusal;
            }
            // A browser gets a page that says why, with the same status.
            return ResponseEntity.status(refusal.status).contentType(MediaType.TEXT_HTML)
                .body("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>livehub console: "
                        + refusal.status.value() + "</title></head><body><h1>livehub console</h1><p>"
                        + escape(refusal.getMessage()) + ".</p></body></html>");
        }
        String html = resource("console.html").replace("<!--csrf-->", csrfMeta(request));
        return ResponseEntity.ok().contentType(MediaType.TEXT_HTML).header("Cache-Control", "no-store").body(html);
    }

    @GetMapping("/hub/console/console.js")
    ResponseEntity<String> script(HttpServletRequest request) throws IOException {
        operator(request);
        return ResponseEntity.ok().contentType(MediaType.parseMediaType("text/javascript")).body(resource("console.js"));
    }

    /** Every live node's heartbeat; this node's own figures are fresh. */
    @GetMapping("/hub/console/api/nodes")
    Map<String, Object> nodes(HttpServletRequest request) {
        operator(request);
        List<Object> nodes = new ArrayList<>();
        Map<String, Object> self = heartbeat.figures();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("self", heartbeat.name());
        answer.put("nodes", nodes);
        Map<String, String> reported;
        try {
            reported = engine.admin().nodes();
        }
        catch (RuntimeException ex) {
            // This node's own figures need no store: shown while the store is down, which is when they matter.
            nodes.add(self);
            answer.put("unreachable", "Redis is unreachable: the cluster view needs it; this node: " + self.get("name")
                    + ", Redis links " + self.get("links") + ", live delivery " + self.get("live") + ", "
                    + self.get("streams") + " open streams (" + ex.getMessage() + ")");
            return answer;
        }
        reported.forEach((name, document) -> {
            if (!name.equals(heartbeat.name())) {
                nodes.add(json.readTree(document));
            }
        });
        nodes.add(self);
        return answer;
    }

    /**
     * Each user's open streams on every node: this node's own count, fresh, plus what the other nodes report beside
     * their heartbeats ({@code StreamAdmin#nodeUsers}, as old as one heartbeat interval). {@code unknownOn} collects
     * nodes that do not list their users.
     */
    private final class ClusterStreams {

        private final List<JsonNode> others = new ArrayList<>();

        private final List<String> unknownOn = new ArrayList<>();

        ClusterStreams() {
            engine.admin().nodes().forEach((name, document) -> {
                if (!name.equals(heartbeat.name())) {
                    String users = json.readTree(document).path("usersListed").asBoolean(false)
                            ? engine.admin().nodeUsers(name) : null;
                    if (users != null) {
                        others.add(json.readTree(users));
                    }
                    else {
                        unknownOn.add(name);
                    }
                }
            });
        }

        /** The users with a stream open on some node: here, and in the other nodes' reports. */
        Set<String> users() {
            Set<String> users = new TreeSet<>();
            hub.connections().forEach(connection -> users.add(connection.user()));
            others.forEach(node -> users.addAll(node.propertyNames()));
            return users;
        }

        int of(String user) {
            int count = hub.connectionCount(user);
            for (JsonNode node : others) {
                count += node.path(user).asInt(0);
            }
            return count;
        }

        void describe(Map<String, Object> body, String user) {
            body.put("streams", of(user));
            body.put("streamsHere", hub.connectionCount(user));
            if (!unknownOn.isEmpty()) {
                body.put("streamsUnknownOn", unknownOn);
            }
        }
    }

    @GetMapping("/hub/console/api/users")
    Map<String, Object> users(HttpServletRequest request, @RequestParam(defaultValue = "*") String match,
            @RequestParam(defaultValue = "100") int limit) {
        operator(request);
        List<Map<String, Object>> users = new ArrayList<>();
        Set<String> listed = new HashSet<>();
        ClusterStreams streams = new ClusterStreams();
        requireBetween("limit", limit, 1, MAX_USERS);
        for (StreamAdmin.UserStream stream : engine.admin().users(match.isBlank() ? "*" : match.strip(), limit)) {
            Map<String, Object> user = new LinkedHashMap<>();
            user.put("user", stream.user());
            user.put("length", stream.length());
            user.put("lastId", stream.lastId().toString());
            streams.describe(user, stream.user());
            users.add(user);
            listed.add(stream.user());
        }
        // A user with streams open but nothing published yet has no stream in the store: found by the nodes' counts.
        Pattern glob = StreamAdmin.glob(match.isBlank() ? "*" : match.strip());
        for (String connected : streams.users()) {
            if (users.size() >= limit) {
                break;
            }
            if (!listed.contains(connected) && glob.matcher(connected).matches()) {
                Map<String, Object> user = new LinkedHashMap<>();
                user.put("user", connected);
                user.put("length", 0);
                user.put("lastId", EventId.ZERO.toString());
                streams.describe(user, connected);
                users.add(user);
            }
        }
        return Map.of("users", users);
    }

    /** A page of a user's stream: the entries after {@code after} (exclusive), oldest first. */
    @GetMapping("/hub/console/api/users/{user}/entries")
    Map<String, Object> entries(HttpServletRequest request, @PathVariable String user,
            @RequestParam(defaultValue = "0-0") String after, @RequestParam(defaultValue = "50") int count) {
        operator(request);
        Publication.requireUserId(user);
        EventId from = EventId.parse(after);
        requireBetween("count", count, 1, MAX_PAGE);
        int page = count;
        StreamSlice slice = engine.read(user, from, page + 2);
        List<Map<String, String>> entries = new ArrayList<>();
        boolean more = false;
        for (HubEvent entry : slice.entries()) {
            if (entry.id().compareTo(from) <= 0) {
                continue;
            }
            if (entries.size() == page) {
                more = true;
                break;
            }
            entries.add(Map.of("id", entry.id().toString(), "event", entry.event(), "data", entry.data()));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("user", user);
        body.put("entries", entries);
        body.put("more", more);
        body.put("lastId", slice.lastId().toString());
        new ClusterStreams().describe(body, user);
        return body;
    }

    /**
     * Appends again, as new entries, what a user's stream holds from {@code from} on, that entry included as in
     * {@code hubctl replay --from} (the hub's own events left out), each with {@code "replayed_from"}, so the user's
     * open streams receive it. Without {@code "confirm": true} nothing is appended: the answer says how
     * many entries would go to how many open streams.
     */
    @PostMapping("/hub/console/api/users/{user}/replay")
    Map<String, Object> replay(HttpServletRequest request, @PathVariable String user, @RequestBody JsonNode body) {
        String operator = changing(request);
        Publication.requireUserId(user);
        EventId from = EventId.parse(text(body, "from"));
        List<HubEvent> entries = new ArrayList<>();
        // The read is exclusive: start just before 'from', so that 'from' itself is replayed.
        EventId cursor = before(from);
        while (true) {
            StreamSlice slice = engine.read(user, cursor, MAX_PAGE + 1);
            EventId before = cursor;
            slice.entries().stream().filter(entry -> entry.id().compareTo(before) > 0)
                .filter(entry -> !Publication.HUB_EVENTS.contains(entry.event()))
                .forEach(entries::add);
            if (slice.entries().isEmpty() || slice.entries().getLast().id().equals(slice.lastId())) {
                break;
            }
            cursor = slice.entries().getLast().id();
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("entries", entries.size());
        new ClusterStreams().describe(answer, user);
        Object streams = answer.get("streams");
        if (!body.path("confirm").asBoolean(false)) {
            answer.put("appended", 0);
            return answer;
        }
        for (HubEvent entry : entries) {
            hub.publish(List.of(user), Publication.of(entry.event(), Replayed.data(entry)));
        }
        log.info("Console: {} replayed {} entries of user {} from {} (streams open on every node: {})", operator,
                entries.size(), user, from, streams);
        answer.put("appended", entries.size());
        return answer;
    }

    @PostMapping("/hub/console/api/users/{user}/trim")
    Map<String, Object> trim(HttpServletRequest request, @PathVariable String user, @RequestBody JsonNode body) {
        String operator = changing(request);
        Publication.requireUserId(user);
        int keep = maxEntries(body);
        long removed = engine.admin().trim(user, keep);
        log.info("Console: {} trimmed the stream of user {} to {} entries ({} removed)", operator, user, keep,
                removed);
        return Map.of("removed", removed);
    }

    /**
     * The trim's {@code maxEntries}: a whole number from 0 that fits an int; 1.5, "2" or 99999999999999999999 are
     * refused as such, not read as another number.
     *
     * @throws IllegalArgumentException otherwise (answered 400)
     */
    static int maxEntries(JsonNode body) {
        JsonNode given = body.path("maxEntries");
        if (!given.isIntegralNumber() || !given.canConvertToInt() || given.intValue() < 0) {
            throw new IllegalArgumentException("maxEntries is a whole number from 0 to " + Integer.MAX_VALUE + "; got "
                    + (given.isMissingNode() ? "none" : given.toString()));
        }
        return given.intValue();
    }

    /**
     * A test event, {@code {"event":"...","data":...}}, read as {@code POST /hub/publish} reads a publication (a key
     * twice is refused, {@code data} is kept as sent).
     */
    @PostMapping("/hub/console/api/users/{user}/publish")
    Map<String, Object> publish(HttpServletRequest request, @PathVariable String user, @RequestBody byte[] body) {
        String operator = changing(request);
        Publication.requireUserId(user);
        Publication publication = HttpPublishing.consolePublication(body, user);
        String event = publication.event();
        EventId id = hub.publish(List.of(user), publication).get(user);
        log.info("Console: {} published a test event '{}' to user {} ({})", operator, event, user, id);
        return Map.of("id", String.valueOf(id));
    }

    @ExceptionHandler(ConsoleRefusal.class)
    ResponseEntity<Map<String, String>> refused(ConsoleRefusal refusal) {
        return error(refusal.status, refusal.code, refusal.getMessage());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, String>> unreadable(HttpMessageNotReadableException ex) {
        return error(HttpStatus.BAD_REQUEST, "bad_request", "the body must be a JSON object");
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<Map<String, String>> mistyped(MethodArgumentTypeMismatchException ex) {
        return error(HttpStatus.BAD_REQUEST, "bad_request",
                ex.getName() + " must be a number, got '" + ex.getValue() + "'");
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<Map<String, String>> badInput(IllegalArgumentException ex) {
        return error(HttpStatus.BAD_REQUEST, "bad_request", ex.getMessage());
    }

    @ExceptionHandler(EngineException.class)
    ResponseEntity<Map<String, String>> storeDown(EngineException ex) {
        return error(HttpStatus.SERVICE_UNAVAILABLE, "store_unavailable", ex.getMessage());
    }

    private static ResponseEntity<Map<String, String>> error(HttpStatus status, String code, String message) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON)
            .body(Map.of("error", code, "message", message == null ? code : message));
    }

    /** The operator's name; 401 without a user, 403 outside the role. */
    private String operator(HttpServletRequest request) {
        if (request.getUserPrincipal() == null) {
            throw new ConsoleRefusal(HttpStatus.UNAUTHORIZED, "unauthenticated", "sign in first");
        }
        if (!request.isUserInRole(role)) {
            throw new ConsoleRefusal(HttpStatus.FORBIDDEN, "forbidden", "the console is for the " + role + " role");
        }
        return request.getUserPrincipal().getName();
    }

    private String changing(HttpServletRequest request) {
        String operator = operator(request);
        if (!"1".equals(request.getHeader("X-Hub-Console"))) {
            throw new ConsoleRefusal(HttpStatus.FORBIDDEN, "console_header_missing",
                    "changing requests must carry X-Hub-Console: 1");
        }
        return operator;
    }

    private static void requireBetween(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " is " + min + " to " + max + ", got " + value);
        }
    }

    /** The id just before {@code id}, for an exclusive read that starts at {@code id}. */
    private static EventId before(EventId id) {
        if (id.seq() > 0) {
            return new EventId(id.ms(), id.seq() - 1);
        }
        return id.ms() > 0 ? new EventId(id.ms() - 1, Long.MAX_VALUE) : id;
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        if (value == null || !value.isString() || value.asString().isBlank()) {
            throw new IllegalArgumentException(field + " is required");
        }
        return value.asString().strip();
    }

    /** Spring Security's CSRF token of the request, when there is one, for the page's script to send back. */
    private static String csrfMeta(HttpServletRequest request) {
        Object token = request.getAttribute("_csrf");
        if (token == null) {
            return "";
        }
        BeanWrapperImpl csrf = new BeanWrapperImpl(token);
        return "<meta name=\"csrf-header\" content=\"" + escape(String.valueOf(csrf.getPropertyValue("headerName")))
                + "\"><meta name=\"csrf-token\" content=\"" + escape(String.valueOf(csrf.getPropertyValue("token")))
                + "\">";
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;");
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = ConsoleController.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** A refusal with its status and code, answered as {@code {"error","message"}}. */
    static final class ConsoleRefusal extends RuntimeException {

        private final HttpStatus status;

        private final String code;

        ConsoleRefusal(HttpStatus status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }
}
