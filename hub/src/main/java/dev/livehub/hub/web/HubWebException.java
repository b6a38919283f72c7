package dev.livehub.hub.web;

import java.nio.charset.StandardCharsets;

import org.slf4j.LoggerFactory;

import org.springframework.http.HttpStatus;

import dev.livehub.hub.admission.RefusalBody;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * A refusal with its HTTP status, a stable error code and a sentence for people. Rendered as
 * {@code {"error":"<code>","message":"<sentence>"}}; the body is written as bytes with its content type preset, so
 * it is sent even to an {@code EventSource} that only accepts {@code text/event-stream}.
 */
final class HubWebException extends RuntimeException {

    private final HttpStatus status;

    private final String code;

    private final long retryAfterSeconds;

    HubWebException(HttpStatus status, String code, String message) {
        this(status, code, message, 5);
    }

    HubWebException(HttpStatus status, String code, String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    HttpStatus status() {
        return status;
    }

    String code() {
        return code;
    }

    /**
     * What the hub's endpoints answer for an exception they did not expect: their own JSON 500, so the application's
     * {@code @ControllerAdvice} (which may render an error page or redirect) never answers a script for the hub.
     */
    static ResponseEntity<byte[]> unexpected(Exception ex) {
        LoggerFactory.getLogger(HubWebException.class).warn("A hub endpoint failed unexpectedly", ex);
        return new HubWebException(HttpStatus.INTERNAL_SERVER_ERROR, "internal",
                "the hub could not answer this request; try again").toResponse();
    }

    ResponseEntity<byte[]> toResponse() {
        String body = RefusalBody.of(code, getMessage());
        ResponseEntity.BodyBuilder response = ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON);
        if (status == HttpStatus.TOO_MANY_REQUESTS || status == HttpStatus.SERVICE_UNAVAILABLE) {
            response.header("Retry-After", Long.toString(retryAfterSeconds));
        }
        return response.body(body.getBytes(StandardCharsets.UTF_8));
    }
}
