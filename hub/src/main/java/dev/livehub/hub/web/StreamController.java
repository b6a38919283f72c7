package dev.livehub.hub.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

import com.fasterxml.jackson.annotation.JsonProperty;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.util.DisconnectedClientHelper;

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
 */
@RestController
public class StreamController {

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
    public StreamController(Hub hub, StreamAdmission admission, HubUserResolver users, Duration streamLifetime,
            int pollLimit) {
        this.hub = hub;
        this.admission = admission;
        this.users = users;
        // The servlet async timeout (30 s in Tomcat by default) would end every stream; the hub ends its streams
        // itself at their lifetime, and this is only the backstop.
        this.asyncTimeout = streamLifetime.plusMinutes(1);
        this.pollLimit = pollLimit;
    }

    /** Every method comes here, so that the admission answers anything but GET (HEAD too) with its 405. */
    @RequestMapping("/stream/app")
    public ResponseEntity<ResponseBodyEmitter> stream(HttpServletRequest request) {
        ResponseBodyEmitter emitter = new ResponseBodyEmitter(asyncTimeout.toMillis());
        OpenStream stream = admission.open(new ServletStreamRequest(request),
                ServletStreamRequest.sessionUsers(request, users), new EmitterOutput(emitter));
        StreamSessionFilter.leaveSessionUntouched(request);
        emitter.onCompletion(stream::end);
        emitter.onTimeout(stream::end);
        emitter.onError(error -> stream.end());
        return ResponseEntity.ok()
            .contentType(MediaType.TEXT_EVENT_STREAM)
            .header(HttpHeaders.CACHE_CONTROL, "no-cache")
            // nginx buffers proxied responses unless told not to: https://nginx.org/r/proxy_buffering
            .header("X-Accel-Buffering", "no")
            .body(emitter);
    }

    @GetMapping("/stream/app/poll")
    public ResponseEntity<byte[]> poll(HttpServletRequest request) {
        // Written with the hub's own mapper, never the application's (which may add type information).
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(WIRE_JSON.writeValueAsBytes(
                pollBody(request)));
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
            throw new StreamRefusal(503, "store_unavailable", "the event store is unavailable; poll again shortly", 5);
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

    @ExceptionHandler(StreamRefusal.class)
    ResponseEntity<byte[]> refuse(StreamRefusal refusal) {
        ResponseEntity.BodyBuilder response = ResponseEntity.status(refusal.status())
            .contentType(MediaType.APPLICATION_JSON);
        if (refusal.retryAfterSeconds() > 0) {
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(refusal.retryAfterSeconds()));
        }
        if (refusal.status() == 405) {
            response.header(HttpHeaders.ALLOW, "GET");
        }
        return response.body(refusal.body().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Whatever else fails here is the hub's to answer, never the application's {@code @ControllerAdvice}; a client
     * that went away is left to Spring, which drops it quietly.
     */
    @ExceptionHandler(Exception.class)
    ResponseEntity<byte[]> fail(Exception ex) throws Exception {
        if (ex instanceof AsyncRequestNotUsableException || DisconnectedClientHelper.isClientDisconnectedException(ex)) {
            throw ex;
        }
        return HubWebException.unexpected(ex);
    }
}
