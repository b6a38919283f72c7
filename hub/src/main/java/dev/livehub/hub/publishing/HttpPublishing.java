package dev.livehub.hub.publishing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

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
 * {@code POST /hub/publish} and {@code /hub/publish/batch} apart from the server that carries them: a request's method,
 * path, {@code Authorization} header and body in, the answer's status and JSON out. The servlet filter
 * ({@link PublishEndpoint}) and the Netty stream port ({@code hub.stream-port}) both serve it through this, so the two
 * answer alike; see {@link PublishEndpoint} for the contract. Thread-safe.
 */
public final class HttpPublishing {

    private static final Logger log = LoggerFactory.getLogger(HttpPublishing.class);

    public static final String PATH = "/hub/publish";

    public static final String BATCH_PATH = "/hub/publish/batch";

    /** A single publication's body: users, event and data of at most 64 KiB, with room to spare. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;

    /** A batch's body. */
    static final int MAX_BATCH_BODY_BYTES = 16 * 1024 * 1024;

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
     * An answer: its status, its JSON body, whether it carries {@code Retry-After: 1} (a 5xx), and the {@code Allow}
     * header of a 405 ({@code null} otherwise).
     */
    public record Answer(int status, byte[] json, boolean retryAfter, String allow) {
    }

    /**
     * @param token the bearer token publishers send; {@code null} or blank: publishing over HTTP is off (404)
     * @param maxUsers users per publication
     * @param maxBatch publications per batch
     */
    public HttpPublishing(Hub hub, String token, int maxUsers, int maxBatch) {
        this.hub = hub;
        this.token = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
        this.maxUsers = maxUsers;
        this.maxBatch = maxBatch;
    }

    /**
     * The console's test publish to one user, {@code {"event":"...","data":...}}, read as {@code POST /hub/publish}
     * reads a publication: a key twice or bytes that are not UTF-8 are refused, and {@code data} is kept as sent
     * ({@code 1e400} stays {@code 1e400}). {@link IllegalArgumentException} with the refusal otherwise.
     */
    public static Publication consolePublication(byte[] body, String user) {
        try {
            PublishRequest request = PublishRequest.forUser(body, user);
            if (request.refusal() != null) {
                throw new IllegalArgumentException(request.refusal());
            }
            return request.addressed().publication();
        }
        catch (PublishRequest.BadBody ex) {
            throw new IllegalArgumentException(ex.getMessage());
        }
    }

    /**
     * {@code data} unchanged when {@code POST /hub/publish} would take it as a publication's data (one JSON value, no
     * key twice); {@link IllegalArgumentException} with the reason otherwise. For publishers that are not HTTP
     * (hubctl).
     */
    public static String requireData(String data) {
        try {
            return PublishRequest.requireData(data);
        }
        catch (PublishRequest.BadBody ex) {
            throw new IllegalArgumentException(ex.getMessage());
        }
    }

    /** Whether {@code path} (without a query) is one of the publish paths. */
    public static boolean serves(String path) {
        return PATH.equals(path) || BATCH_PATH.equals(path);
    }

    /** The largest body {@code path} takes; a longer one is answered {@link #tooLarge}. */
    public static int maxBody(String path) {
        return BATCH_PATH.equals(path) ? MAX_BATCH_BODY_BYTES : MAX_BODY_BYTES;
    }

    private static boolean isJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return true;
        }
        int end = contentType.indexOf(';');
        String type = (end < 0 ? contentType : contentType.substring(0, end)).strip().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || type.equals("text/json")
                || (type.startsWith("application/") && type.endsWith("+json"));
    }

    /** At most 60 characters of an untrusted header, for a message. */
    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "...";
    }

    /**
     * A body longer than its bound is still read, up to this much more, and dropped before the 413: a client still
     * sending it reads the answer then. A server that closes with unread bytes sends a reset, which can destroy the
     * answer before the client reads it (RFC 9112, section 9.6).
     */
    public static final long DRAINED_PAST_BOUND = 8L << 20;

    /**
     * Whether a body declared longer than {@link #maxBody} is left unread, its 413 answered from the head with
     * {@code Connection: close}: when it is declared more than {@link #DRAINED_PAST_BOUND} over the bound, or when the
     * client waits for {@code 100 Continue} (it has sent nothing, and gets the 413 at once: RFC 9110, section 10.1.1).
     * Any other body over the bound is read and dropped before the 413: one declared, whole; a chunked one up to
     * {@link #DRAINED_PAST_BOUND} past the bound, its connection closed after the 413 if it goes on.
     *
     * @param declared the declared {@code Content-Length}, or -1 (chunked)
     * @param expectsContinue whether the request says {@code Expect: 100-continue}
     */
    public static boolean leftUnread(String path, long declared, boolean expectsContinue) {
        long over = declared - maxBody(path);
        return over > 0 && (over > DRAINED_PAST_BOUND || expectsContinue);
    }

    /** The answer to a body longer than {@link #maxBody}: a 413. */
    public static Answer tooLarge(String path) {
        return refusal(new HubWebException(HttpStatus.CONTENT_TOO_LARGE, "too_large",
                "the body is over " + maxBody(path) + " bytes; event data may have at most "
                        + Publication.MAX_DATA_BYTES), null);
    }

    /**
     * The answer to a request to a publish path ({@link #serves}) that is refused from its head alone (not a POST, no
     * or a wrong token, publishing off, a body that says it is not JSON), or {@code null} when its body is to be read:
     * a stranger's body is never read, and its connection is closed after this answer (a slowly sent body holds
     * nothing).
     *
     * @param authorization the {@code Authorization} header, or {@code null}
     * @param contentType the {@code Content-Type} header, or {@code null}: absent, or {@code application/json} (any
     *        parameters, any case), {@code text/json} (older clients) or a {@code +json} type (RFC 6839) is read as
     *        JSON; any other is a 415
     * @param contentEncoding the {@code Content-Encoding} header, or {@code null}: a body is read as sent, so anything
     *        but absent or {@code identity} (a compressed body) is a 415
     */
    public Answer refusalBeforeBody(String method, String authorization, String contentType, String contentEncoding) {
        if (!"POST".equals(method)) {
            return refusal(new HubWebException(HttpStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                    "publish with POST"), "POST");
        }
        try {
            authorize(authorization);
            if (contentEncoding != null && !contentEncoding.isBlank()
                    && !contentEncoding.strip().equalsIgnoreCase("identity")) {
                throw new HubWebException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                        "the body is read as sent: send it uncompressed, without Content-Encoding (got "
                                + abbreviate(contentEncoding.strip()) + ")");
            }
            if (!isJson(contentType)) {
                throw new HubWebException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                        "the body is JSON: send it as Content-Type: application/json (got "
                                + abbreviate(contentType.strip()) + ")");
            }
            return null;
        }
        catch (HubWebException ex) {
            return refusal(ex, null);
        }
    }

    /**
     * Answers one request to a publish path ({@link #serves}); blocks while the store appends.
     *
     * @param authorization the {@code Authorization} header, or {@code null}
     * @param body the whole body, at most {@link #maxBody} bytes
     */
    public Answer answer(String method, String path, String authorization, byte[] body) {
        // The stage is complete on return: publishAll has waited for the store, and the answer is made right here.
        return answer(method, path, authorization, body,
                publications -> CompletableFuture.completedFuture(hub.publishAll(publications)), Runnable::run)
            .toCompletableFuture()
            .join();
    }

    /**
     * Answers as {@link #answer} does without waiting for the store: the body is read and the publications sent in the
     * caller's thread, and the answer is made on {@code answering} once the store has answered. The stage never
     * completes exceptionally: a fault is answered 500, as {@link #answer} answers it.
     *
     * @param answering where the answer is made (a connection's event loop), so that the store's I/O thread only
     *        hands it the results
     */
    public CompletionStage<Answer> answerAsync(String method, String path, String authorization, byte[] body,
            Executor answering) {
        return answer(method, path, authorization, body, hub::publishAllAsync, answering);
    }

    private CompletionStage<Answer> answer(String method, String path, String authorization, byte[] body,
            Function<List<Addressed>, CompletionStage<List<Published>>> store, Executor answering) {
        boolean batch = BATCH_PATH.equals(path);
        try {
            if (!"POST".equals(method)) {
                return CompletableFuture.completedFuture(refusal(new HubWebException(HttpStatus.METHOD_NOT_ALLOWED,
                        "method_not_allowed", "publish with POST"), "POST"));
            }
            authorize(authorization);
            CompletionStage<Answer> answer = batch ? publishBatch(PublishRequest.batch(body, maxUsers, maxBatch),
                    store, answering) : publishOne(PublishRequest.one(body, maxUsers), store, answering);
            return answer.exceptionally(ex -> internalError(path,
                    ex instanceof CompletionException && ex.getCause() != null ? ex.getCause() : ex));
        }
        catch (PublishRequest.BadBody ex) {
            return CompletableFuture.completedFuture(refusal(new HubWebException(HttpStatus.BAD_REQUEST,
                    "bad_request", ex.getMessage()), null));
        }
        catch (HubWebException ex) {
            return CompletableFuture.completedFuture(refusal(ex, null));
        }
        catch (RuntimeException ex) {
            return CompletableFuture.completedFuture(internalError(path, ex));
        }
    }

    /** A fault of the hub's own (shutting down, a bug): said as JSON, never a container's error page. */
    private static Answer internalError(String path, Throwable ex) {
        log.error("POST {} failed", path, ex);
        return refusal(new HubWebException(HttpStatus.INTERNAL_SERVER_ERROR, "internal_error",
                "the hub could not publish (" + ex.getClass().getSimpleName() + "); retry, with a publish_id "
                        + "of yours so that a retry is appended once"), null);
    }

    private CompletionStage<Answer> publishOne(PublishRequest request,
            Function<List<Addressed>, CompletionStage<List<Published>>> store, Executor answering) {
        if (request.refusal() != null) {
            return CompletableFuture.completedFuture(answer(Result.badRequest(request)));
        }
        return store.apply(List.of(request.addressed()))
            .thenApplyAsync(published -> answer(Result.of(published.getFirst())), answering);
    }

    private Answer answer(Result result) {
        if (result.status() >= 500) {
            logRefusal(result);
        }
        return answer(result.status(), result.status() == 503, out -> result.write(out, false));
    }

    private CompletionStage<Answer> publishBatch(List<PublishRequest> requests,
            Function<List<Addressed>, CompletionStage<List<Published>>> store, Executor answering) {
        List<Addressed> valid = new ArrayList<>();
        for (PublishRequest request : requests) {
            if (request.refusal() == null) {
                valid.add(request.addressed());
            }
        }
        return store.apply(valid).thenApplyAsync(published -> batchAnswer(requests, published), answering);
    }

    private Answer batchAnswer(List<PublishRequest> requests, List<Published> published) {
        List<Result> results = new ArrayList<>(requests.size());
        int next = 0;
        boolean complete = true;
        Result refused = null;
        for (PublishRequest request : requests) {
            Result result = request.refusal() != null ? Result.badRequest(request) : Result.of(published.get(next++));
            results.add(result);
            complete &= result.status() == 202;
            if (refused == null && result.status() >= 500) {
                refused = result;
            }
        }
        if (refused != null) {
            logRefusal(refused);
        }
        boolean whole = complete;
        return answer(200, false, out -> {
            out.writeStartObject();
            out.writeBooleanProperty("complete", whole);
            out.writeName("results");
            out.writeStartArray();
            for (Result result : results) {
                result.write(out, true);
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

    private void logRefusal(Result refused) {
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

    private static Answer refusal(HubWebException refusal, String allow) {
        int status = refusal.status().value();
        return answer(status, status >= 500, out -> {
            out.writeStartObject();
            out.writeStringProperty("error", refusal.code());
            out.writeStringProperty("message", refusal.getMessage());
            out.writeEndObject();
        }, allow);
    }

    private interface Body {
        void write(JsonGenerator out);
    }

    private static Answer answer(int status, boolean retryAfter, Body body) {
        return answer(status, retryAfter, body, null);
    }

    private static Answer answer(int status, boolean retryAfter, Body body, String allow) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator out = JSON.createGenerator(ObjectWriteContext.empty(), bytes)) {
            body.write(out);
        }
        return new Answer(status, bytes.toByteArray(), retryAfter, allow);
    }

    /** What became of one publication: its status, and its answer's fields. */
    private record Result(int status, String error, String message, String publishId, Map<String, EventId> ids,
            Map<String, Published.Refusal> refused) {

        static Result badRequest(PublishRequest request) {
            return new Result(400, "bad_request", request.refusal(), request.publishId(), Map.of(), Map.of());
        }

        static Result of(Published published) {
            if (published.complete()) {
                return new Result(202, null, null, published.publishId(), published.ids(), Map.of());
            }
            Published.Refusal conflict = published.refused().values().stream()
                .filter(refusal -> refusal.reason() == Published.Reason.PUBLISH_ID_CONFLICT)
                .findFirst()
                .orElse(null);
            Published.Refusal first = conflict != null ? conflict : published.refused().values().iterator().next();
            String whom = published.ids().isEmpty() ? "no user"
                    : published.ids().size() + " of " + (published.ids().size() + published.refused().size())
                            + " users";
            // A store that did not answer in time may have appended all the same: the retry tells (publish_id).
            boolean maybe = published.refused().values().stream()
                .anyMatch(refusal -> refusal.reason() == Published.Reason.STORE_UNAVAILABLE);
            return new Result(conflict != null ? 409 : 503, first.reason().code(), first.message()
                    + " (known appended for " + whom + (maybe ? "; the others may be appended all the same: retry "
                            + "with the same publish_id, which appends only what is missing" : "")
                    + "; see 'ids' and 'refused')",
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
