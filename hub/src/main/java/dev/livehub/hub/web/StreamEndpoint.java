package dev.livehub.hub.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import dev.livehub.hub.Hub;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.admission.HubUserResolver;
import dev.livehub.hub.admission.OpenStream;
import dev.livehub.hub.admission.StreamAdmission;
import dev.livehub.hub.admission.StreamRefusal;
import dev.livehub.hub.engine.EngineException;

/**
 * {@code GET /stream/app}, the one SSE stream of a browser tab, and {@code GET /stream/app/poll}, its polling fallback.
 * Both resume from the {@code Last-Event-ID} header, else the {@code last_id} parameter.
 *
 * <p>Plain servlet handling, served by a handler mapping of the hub's own ({@code HubWebConfiguration}): no
 * {@code @ControllerAdvice}, {@code @InitBinder} or {@code @ModelAttribute} of the application runs for these paths,
 * and every answer, refusals and failures included, is the hub's JSON. The application's servlet filters (sessions,
 * Spring Security) run as for any request.
 *
 * <p>A stream's response head is committed on the request thread, through every filter's response wrapper, before the
 * stream's writer may write: filters that write headers when a response commits or when the chain returns (Spring
 * Security's header writer) do so then, on that thread, and never while the writer's thread writes the same response.
 */
public final class StreamEndpoint {

    private static final Logger log = LoggerFactory.getLogger(StreamEndpoint.class);

    public static final String STREAM_PATH = "/stream/app";

    public static final String POLL_PATH = "/stream/app/poll";

    private static final JsonMapper WIRE_JSON = JsonMapper.builder().build();

    private final Hub hub;

    private final StreamAdmission admission;

    private final HubUserResolver users;

    private final Duration asyncTimeout;

    private final int pollLimit;

    /**
     * @param admission decides whether a request opens a stream
     * @param users the hub user of a request's authenticated principal
     */
    public StreamEndpoint(Hub hub, StreamAdmission admission, HubUserResolver users, Duration streamLifetime,
            int pollLimit) {
        this.hub = hub;
        this.admission = admission;
        this.users = users;
        // The servlet async timeout (30 s in Tomcat by default) would end every stream; the hub ends its streams
        // itself at their lifetime, and this is only the backstop.
        this.asyncTimeout = streamLifetime.plusMinutes(1);
        this.pollLimit = pollLimit;
    }

    /** {@code /stream/app}, any method: the admission answers anything but GET (HEAD too) with its 405. */
    public void stream(HttpServletRequest request, HttpServletResponse response) throws IOException {
        ServletOutput output = new ServletOutput();
        OpenStream stream;
        try {
            stream = admission.open(new ServletStreamRequest(request), ServletStreamRequest.sessionUsers(request, users),
                    output);
        }
        catch (RuntimeException ex) {
            answerFailure(request, response, ex);
            return;
        }
        StreamSessionFilter.leaveSessionUntouched(request);
        try {
            // The container's own request and response: the writer writes past every filter's wrapper.
            AsyncContext async = request.startAsync();
            async.setTimeout(asyncTimeout.toMillis());
            async.addListener(new Ending(stream, output));
            response.setStatus(HttpServletResponse.SC_OK);
            response.setContentType("text/event-stream");
            response.setHeader("Cache-Control", "no-cache");
            response.setHeader("X-Content-Type-Options", "nosniff");
            // nginx buffers proxied responses unless told not to: https://nginx.org/r/proxy_buffering
            response.setHeader("X-Accel-Buffering", "no");
            // Commits the head here, through the filters' wrappers: see the class comment.
            response.flushBuffer();
            output.begin(async);
        }
        catch (IOException | RuntimeException ex) {
            output.abandon();
            stream.end();
            if (ex instanceof RuntimeException failure && !response.isCommitted()) {
                // No async support on this request (a filter of the application's declared none, say).
                answerFailure(request, response, failure);
            }
            else {
                // The client went away before the head was out: nothing to answer.
                log.debug("A stream could not start: {}", ex.toString());
            }
            if (request.isAsyncStarted()) {
                try {
                    request.getAsyncContext().complete();
                }
                catch (IllegalStateException completed) {
                    // Completed already.
                }
            }
        }
    }

    /** {@code /stream/app/poll}, with GET (or HEAD) and no body: the events after the cursor, as JSON. */
    public void poll(HttpServletRequest request, HttpServletResponse response) throws IOException {
        byte[] body;
        try {
            if (!request.getMethod().equals("GET") && !request.getMethod().equals("HEAD")) {
                throw new StreamRefusal(405, "method_not_allowed", "poll with GET", 0);
            }
            // Written with the hub's own mapper, never the application's (which may add type information).
            body = WIRE_JSON.writeValueAsBytes(pollBody(request));
        }
        catch (RuntimeException ex) {
            answerFailure(request, response, ex);
            return;
        }
        write(response, HttpServletResponse.SC_OK, body);
    }

    private PollBody pollBody(HttpServletRequest request) {
        ServletStreamRequest polled = new ServletStreamRequest(request);
        String user = admission.poll(polled, ServletStreamRequest.sessionUsers(request, users)).user();
        StreamSessionFilter.leaveSessionUntouched(request);
        Hub.Poll poll;
        try {
            poll = hub.poll(user, admission.cursor(polled), pollLimit);
        }
        catch (EngineException ex) {
            throw StreamRefusal.storeUnavailable("event store");
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

    /**
     * A refusal, with its status, JSON, {@code Retry-After} and (405) {@code Allow}; anything else the hub did not
     * expect is its own JSON 500, never the application's error page.
     */
    private static void answerFailure(HttpServletRequest request, HttpServletResponse response, RuntimeException ex)
            throws IOException {
        StreamRefusal refusal = StreamRefusal.of(ex, request.getMethod() + " " + request.getRequestURI(), log);
        refuse(request, response, refusal);
    }

    /** {@code refusal} as the response, unless the response is committed already. */
    static void refuse(HttpServletRequest request, HttpServletResponse response, StreamRefusal refusal)
            throws IOException {
        if (response.isCommitted()) {
            return;
        }
        if (refusal.retryAfterSeconds() > 0) {
            response.setHeader("Retry-After", Long.toString(refusal.retryAfterSeconds()));
        }
        if (refusal.status() == 405) {
            response.setHeader("Allow", request.getRequestURI().endsWith(POLL_PATH) ? "GET, HEAD" : "GET");
        }
        write(response, refusal.status(), refusal.body().getBytes(StandardCharsets.UTF_8));
    }

    private static void write(HttpServletResponse response, int status, byte[] json) throws IOException {
        response.setStatus(status);
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setContentLength(json.length);
        response.getOutputStream().write(json);
    }

    /** The container ended the async request (its timeout, a failed connection) or saw it complete. */
    private record Ending(OpenStream stream, ServletOutput output) implements AsyncListener {

        @Override
        public void onComplete(AsyncEvent event) {
            // Before the container recycles the response: a later send must not touch it.
            output.completed();
            stream.end();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            stream.end();
            output.close();
        }

        @Override
        public void onError(AsyncEvent event) {
            stream.end();
            output.close();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }
    }
}
