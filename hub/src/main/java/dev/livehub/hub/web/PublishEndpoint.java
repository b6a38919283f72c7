package dev.livehub.hub.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

import dev.livehub.hub.Addressed;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.Publication;
import dev.livehub.hub.Published;

/**
 * Publishing over HTTP for any backend, with {@code Authorization: Bearer <hub.publish.token>}:
 * <ul>
 * <li>{@code POST /hub/publish} with {@code {"users":["42"],"event":"crud.update","data":{...},"publish_id":"..."}}
 * answers 202 {@code {"publish_id":"...","ids":{"42":"<entry id>"}}};</li>
 * <li>{@code POST /hub/publish/batch} with {@code {"publications":[...]}} answers 200
 * {@code {"complete":true,"results":[...]}}, one result per publication, in order, each with the {@code status} a
 * single publish would have had.</li>
 * </ul>
 * Every publication has a publish id, the caller's or one made here, and every answer names it: publishing again with
 * it (after a 503, or a lost answer) appends to no stream twice. A publication not appended for every user answers
 * which users have it ({@code ids}) and which not and why ({@code refused}): 503 when the store failed or is full
 * ({@code store_full}), 409 when the publish id was used before with other content. 404 while no token is configured.
 *
 * <p>It is a servlet filter ahead of every other one (sessions, Spring Security, Spring MVC): the request carries its
 * own credential, so none of them has anything to do, and a publish costs a body read, a streaming parse and one
 * store call per shard.
 */
public final class PublishEndpoint implements Filter {

    private static final Logger log = LoggerFactory.getLogger(PublishEndpoint.class);

    public static final String PATH = "/hub/publish";

    public static final String BATCH_PATH = "/hub/publish/batch";

    /** A single publication's body: users, event and data of at most 64 KiB, with room to spare. */
    private static final int MAX_BODY_BYTES = 1024 * 1024;

    /** A batch's body. */
    private static final int MAX_BATCH_BODY_BYTES = 16 * 1024 * 1024;

    private static final JsonFactory JSON = JsonFactory.builder().build();

    /** Store failures logged at most once per this many ms, with how many were not logged. */
    private static final long LOG_EVERY_MS = 10_000;

    private final Hub hub;

    private final byte[] token;

    private final int maxUsers;

    private final int maxBatch;

    private final AtomicLong lastLogged = new AtomicLong();

    private final AtomicLong unlogged = new AtomicLong();

    /**
     * @param token the bearer token publishers send; {@code null} or blank: publishing over HTTP is off (404)
     * @param maxUsers users per publication
     * @param maxBatch publications per batch
     */
    public PublishEndpoint(Hub hub, String token, int maxUsers, int maxBatch) {
        this.hub = hub;
        this.token = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
        this.maxUsers = maxUsers;
        this.maxBatch = maxBatch;
    }

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) servletRequest;
        HttpServletResponse response = (HttpServletResponse) servletResponse;
        String path = request.getRequestURI().substring(request.getContextPath().length());
        boolean batch = BATCH_PATH.equals(path);
        if (!batch && !PATH.equals(path)) {
            chain.doFilter(request, response);
            return;
        }
        try {
            if (!"POST".equals(request.getMethod())) {
                response.setHeader("Allow", "POST");
                throw new HubWebException(HttpStatus.METHOD_NOT_ALLOWED,
                        "method_not_allowed", "publish with POST");
            }
            authorize(request.getHeader("Authorization"));
            byte[] body = read(request, batch ? MAX_BATCH_BODY_BYTES : MAX_BODY_BYTES);
            if (batch) {
                publishBatch(PublishRequest.batch(body, maxUsers, maxBatch), response);
            }
            else {
                publishOne(PublishRequest.one(body, maxUsers), response);
            }
        }
        catch (PublishRequest.BadBody ex) {
            refuse(response, new HubWebException(HttpStatus.BAD_REQUEST, "bad_request",
                    ex.getMessage()));
        }
        catch (HubWebException ex) {
            refuse(response, ex);
        }
        catch (RuntimeException ex) {
            // A fault of the hub's own (shutting down, a bug): said as JSON, never a container's error page.
            log.error("POST {} failed", path, ex);
            refuse(response, new HubWebException(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error",
                    "the hub could not publish (" + ex.getClass().getSimpleName() + "); retry, with a publish_id "
                            + "of yours so that a retry is appended once"));
        }
    }

    private void publishOne(PublishRequest request, HttpServletResponse response) throws IOException {
        Answer answer = request.refusal() != null ? Answer.badRequest(request)
                : Answer.of(hub.publishAll(List.of(request.addressed())).getFirst());
        logRefusals(List.of(answer));
        write(response, answer.status(), answer.status() == 503, out -> answer.write(out, false));
    }

    private void publishBatch(List<PublishRequest> requests, HttpServletResponse response) throws IOException {
        List<Addressed> valid = new ArrayList<>();
        for (PublishRequest request : requests) {
            if (request.refusal() == null) {
                valid.add(request.addressed());
            }
        }
        List<Published> published = hub.publishAll(valid);
        List<Answer> answers = new ArrayList<>(requests.size());
        int next = 0;
        for (PublishRequest request : requests) {
            answers.add(request.refusal() != null ? Answer.badRequest(request) : Answer.of(published.get(next++)));
        }
        logRefusals(answers);
        boolean complete = answers.stream().allMatch(answer -> answer.status() == 202);
        write(response, 200, false, out -> {
            out.writeStartObject();
            out.writeBooleanProperty("complete", complete);
            out.writeName("results");
            out.writeStartArray();
            for (Answer answer : answers) {
                answer.write(out, true);
            }
            out.writeEndArray();
            out.writeEndObject();
        });
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

    private static byte[] read(HttpServletRequest request, int max) throws IOException {
        long declared = request.getContentLengthLong();
        byte[] bytes;
        if (declared <= max) {
            try (InputStream in = request.getInputStream()) {
                bytes = in.readNBytes(max + 1);
            }
        }
        else {
            bytes = null;
        }
        if (bytes == null || bytes.length > max) {
            throw new HubWebException(HttpStatus.CONTENT_TOO_LARGE, "too_large",
                    "the body is over " + max + " bytes; event data may have at most "
                            + Publication.MAX_DATA_BYTES);
        }
        return bytes;
    }

    private void logRefusals(List<Answer> answers) {
        Answer refused = answers.stream().filter(answer -> answer.status() >= 500).findFirst().orElse(null);
        if (refused == null) {
            return;
        }
        long now = System.currentTimeMillis();
        long last = lastLogged.get();
        if (now - last >= LOG_EVERY_MS && lastLogged.compareAndSet(last, now)) {
            long others = unlogged.getAndSet(0);
            log.warn("POST /hub/publish: {} ({} more refused publications in the last {} s not logged)",
                    refused.message(), others, LOG_EVERY_MS / 1000);
        }
        else {
            unlogged.incrementAndGet();
        }
    }

    private static void refuse(HttpServletResponse response, HubWebException refusal) throws IOException {
        write(response, refusal.status().value(), refusal.status().value() >= 500, out -> {
            out.writeStartObject();
            out.writeStringProperty("error", refusal.code());
            out.writeStringProperty("message", refusal.getMessage());
            out.writeEndObject();
        });
    }

    private interface Body {
        void write(JsonGenerator out);
    }

    private static void write(HttpServletResponse response, int status, boolean retryAfter, Body body)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator out = JSON.createGenerator(ObjectWriteContext.empty(), bytes)) {
            body.write(out);
        }
        response.setStatus(status);
        response.setContentType("application/json");
        if (retryAfter) {
            response.setHeader("Retry-After", "1");
        }
        response.setContentLength(bytes.size());
        bytes.writeTo(response.getOutputStream());
    }

    /** The answer about one publication: its status, and its body's fields. */
    private record Answer(int status, String error, String message, String publishId, Map<String, EventId> ids,
            Map<String, Published.Refusal> refused) {

        static Answer badRequest(PublishRequest request) {
            return new Answer(400, "bad_request", request.refusal(), request.publishId(), Map.of(), Map.of());
        }

        static Answer of(Published published) {
            if (published.complete()) {
                return new Answer(202, null, null, published.publishId(), published.ids(), Map.of());
            }
            Published.Refusal conflict = published.refused().values().stream()
                .filter(refusal -> refusal.reason() == Published.Reason.PUBLISH_ID_CONFLICT)
                .findFirst()
                .orElse(null);
            Published.Refusal first = conflict != null ? conflict : published.refused().values().iterator().next();
            String whom = published.ids().isEmpty() ? "no user"
                    : published.ids().size() + " of " + (published.ids().size() + published.refused().size())
                            + " users";
            return new Answer(conflict != null ? 409 : 503, first.reason().code(), first.message()
                    + " (appended for " + whom + "; see 'ids' and 'refused')",
                    published.publishId(), published.ids(), published.refused());
        }

        void write(JsonGenerator out, boolean withStatus) {
            out.writeStartObject();
            if (withStatus) {
                out.writeNumberProperty("status", status);
            }
            if (error != null) {
                out.writeStringProperty("error", error);
                out.writeStringProperty("message", message);
            }
            out.writeStringProperty("publish_id", publishId);
            if (status != 400) {
                out.writeName("ids");
                out.writeStartObject();
                ids.forEach((user, id) -> out.writeStringProperty(user, id.toString()));
                out.writeEndObject();
            }
            if (!refused.isEmpty()) {
                out.writeName("refused");
                out.writeStartObject();
                refused.forEach((user, refusal) -> {
                    out.writeName(user);
                    out.writeStartObject();
                    out.writeStringProperty("error", refusal.reason().code());
                    out.writeStringProperty("message", refusal.message());
                    out.writeEndObject();
                });
                out.writeEndObject();
            }
            out.writeEndObject();
        }
    }
}
