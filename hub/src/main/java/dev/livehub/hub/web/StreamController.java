package dev.livehub.hub.web;

import java.time.Duration;
import java.util.Collections;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import com.fasterxml.jackson.annotation.JsonProperty;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;

import dev.livehub.hub.Connection;
import dev.livehub.hub.Cursor;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.TooManyConnectionsException;
import dev.livehub.hub.engine.EngineException;
import dev.livehub.hub.web.SubscriberTokens.Subscriber;

/**
 * {@code GET /stream/app}, the one SSE stream of a browser tab, and {@code GET /stream/app/poll}, its polling fallback.
 * Both resume from the {@code Last-Event-ID} header, else the {@code last_id} parameter.
 */
@RestController
public class StreamController {

    private static final String LAST_EVENT_ID = "Last-Event-ID";

    private final Hub hub;

    private final HubUserResolver users;

    /** {@code null} unless subscriber tokens are configured ({@code hub.token.*}). */
    private final SubscriberTokens tokens;

    private final SessionStreams sessions;

    private final ConnectRate rate;

    private final Duration asyncTimeout;

    private final int pollLimit;

    public StreamController(Hub hub, HubUserResolver users, Duration streamLifetime, int pollLimit) {
        this(hub, users, null, new SessionStreams(null, Duration.ofMinutes(1)), new ConnectRate(30, 2), streamLifetime,
                pollLimit);
    }

    /**
     * @param tokens subscriber tokens, or {@code null}: a request carrying a token ({@code ?token=} or the token
     *        cookie) is that token's user, and a bad token is answered 401 whatever else the request carries; a
     *        request without one is the resolver's
     * @param sessions where streams opened with a session are tracked, so they end when the session does
     * @param rate how often one user may open a stream on this node
     */
    public StreamController(Hub hub, HubUserResolver users, SubscriberTokens tokens, SessionStreams sessions,
            ConnectRate rate, Duration streamLifetime, int pollLimit) {
        this.hub = hub;
        this.users = users;
        this.tokens = tokens;
        this.sessions = sessions;
        this.rate = rate;
        // The servlet async timeout (30 s in Tomcat by default) would end every stream; the hub ends its streams
        // itself at their lifetime, and this is only the backstop.
        this.asyncTimeout = streamLifetime.plusMinutes(1);
        this.pollLimit = pollLimit;
    }

    @GetMapping("/stream/app")
    public ResponseEntity<ResponseBodyEmitter> stream(HttpServletRequest request) {
        Subscriber user = subscriber(request);
        Cursor cursor = compact(request) ? cursor(request).compacting() : cursor(request);
        long wait = rate.acquire(user.user());
        if (wait > 0) {
            throw new HubWebException(HttpStatus.TOO_MANY_REQUESTS, "too_many_connects",
                    "this user opens streams too often; retry in " + wait + " s", wait);
        }
        ResponseBodyEmitter emitter = new ResponseBodyEmitter(asyncTimeout.toMillis());
        Connection connection;
        try {
            connection = hub.connect(user.user(), cursor, new EmitterOutput(emitter), user.expiresAt());
        }
        catch (TooManyConnectionsException ex) {
            throw new HubWebException(HttpStatus.TOO_MANY_REQUESTS, "too_many_connections", ex.getMessage());
        }
        catch (IllegalStateException ex) {
            throw new HubWebException(HttpStatus.SERVICE_UNAVAILABLE, "shutting_down",
                    "this node is shutting down; reconnect to another");
        }
        // Only a stream opened with a session ends with it; a token's stream ends at the token's expiry.
        HttpSession session = user.expiresAt() == null ? request.getSession(false) : null;
        String sessionId = session == null ? null : session.getId();
        Runnable end = () -> {
            connection.close();
            if (sessionId != null) {
                sessions.untrack(sessionId, connection);
            }
        };
        if (sessionId != null) {
            sessions.track(sessionId, connection);
        }
        StreamSessionFilter.leaveSessionUntouched(request);
        emitter.onCompletion(end);
        emitter.onTimeout(end);
        emitter.onError(error -> end.run());
        return ResponseEntity.ok()
            .contentType(MediaType.TEXT_EVENT_STREAM)
            .header(HttpHeaders.CACHE_CONTROL, "no-cache")
            // nginx buffers proxied responses unless told not to: https://nginx.org/r/proxy_buffering
            .header("X-Accel-Buffering", "no")
            .body(emitter);
    }

    @GetMapping("/stream/app/poll")
    public PollBody poll(HttpServletRequest request) {
        String user = subscriber(request).user();
        StreamSessionFilter.leaveSessionUntouched(request);
        // A poll reads the stream like a stream's catch-up does: polls and opens share the user's budget.
        long wait = rate.acquire(user);
        if (wait > 0) {
            throw new HubWebException(HttpStatus.TOO_MANY_REQUESTS, "too_many_polls",
                    "this user polls (or opens streams) too often; retry in " + wait + " s", wait);
        }
        Hub.Poll poll;
        try {
            poll = hub.poll(user, cursor(request), pollLimit);
        }
        catch (EngineException ex) {
            throw new HubWebException(HttpStatus.SERVICE_UNAVAILABLE, "store_unavailable",
                    "the event store is unavailable; poll again shortly");
        }
        return new PollBody(poll.events().stream().map(PollEvent::of).toList(), poll.lastId().toString(),
                poll.reset());
    }

    /** The JSON of a poll: {@code {"events":[{"id","event","data"}],"last_id":..,"reset":bool}}. */
    public record PollBody(List<PollEvent> events, @JsonProperty("last_id") String lastId, boolean reset) {
    }

    /** One event of a poll; {@code data} is the same JSON text a stream sends. */
    public record PollEvent(String id, String event, String data) {

        static PollEvent of(HubEvent event) {
            return new PollEvent(event.id().toString(), event.event(), event.data());
        }
    }

    @ExceptionHandler(HubWebException.class)
    ResponseEntity<byte[]> refuse(HubWebException ex) {
        return ex.toResponse();
    }

    private Subscriber subscriber(HttpServletRequest request) {
        String token = tokens == null ? null : tokens.find(request);
        if (token != null) {
            try {
                return tokens.verify(token);
            }
            catch (InvalidTokenException ex) {
                throw new HubWebException(HttpStatus.UNAUTHORIZED, "bad_token", ex.getMessage());
            }
        }
        String user = users.resolve(request);
        if (user == null) {
            throw new HubWebException(HttpStatus.UNAUTHORIZED, "unauthenticated", tokens == null
                    ? "sign in first: streams are opened for the signed-in user"
                    : "sign in first, or send a subscriber token (?token= or the token cookie)");
        }
        return new Subscriber(user, null);
    }

    /** {@code ?compact=1}: a long backlog comes folded to the latest state of each record. */
    private static boolean compact(HttpServletRequest request) {
        try {
            return Cursor.compactParameter(request.getParameter("compact"));
        }
        catch (IllegalArgumentException ex) {
            throw new HubWebException(HttpStatus.BAD_REQUEST, "bad_compact", ex.getMessage());
        }
    }

    private static Cursor cursor(HttpServletRequest request) {
        String[] parameters = request.getParameterValues("last_id");
        try {
            return Cursor.fromRequest(Collections.list(request.getHeaders(LAST_EVENT_ID)),
                    parameters == null ? List.of() : List.of(parameters));
        }
        catch (IllegalArgumentException ex) {
            throw new HubWebException(HttpStatus.BAD_REQUEST, "bad_cursor", ex.getMessage());
        }
    }
}
