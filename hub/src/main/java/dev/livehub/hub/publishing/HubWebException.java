package dev.livehub.hub.publishing;

import org.springframework.http.HttpStatus;

/**
 * A refusal of {@link HttpPublishing} with its HTTP status, a stable error code and a sentence for people. Rendered
 * as {@code {"error":"<code>","message":"<sentence>"}}.
 */
final class HubWebException extends RuntimeException {

    private final HttpStatus status;

    private final String code;

    HubWebException(HttpStatus status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    HttpStatus status() {
        return status;
    }

    String code() {
        return code;
    }
}
