package dev.livehub.hub.web;

import java.nio.charset.StandardCharsets;

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

    ResponseEntity<byte[]> toResponse() {
        String body = RefusalBody.of(code, getMessage());
        ResponseEntity.BodyBuilder response = ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON);
        if (status == HttpStatus.TOO_MANY_REQUESTS || status == HttpStatus.SERVICE_UNAVAILABLE) {
            response.header("Retry-After", Long.toString(retryAfterSeconds));
        }
        return response.body(body.getBytes(StandardCharsets.UTF_8));
    }
}
