package dev.livehub.app.web;

import java.io.IOException;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * The status and the message of the app's own refusals, handed to {@link ErrorPages} (which answers with a page or
 * JSON): a refused action says why, and too many changes say how long to wait.
 */
@ControllerAdvice
class ErrorResponses {

    @ExceptionHandler
    void tooManyChanges(TooManyChangesException ex, HttpServletResponse response) throws IOException {
        response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(ex.retryAfterSeconds()));
        response.sendError(429, ex.getMessage());
    }

    @ExceptionHandler
    void accessDenied(AccessDeniedException ex, HttpServletResponse response) throws IOException {
        response.sendError(HttpServletResponse.SC_FORBIDDEN, ex.getMessage());
    }
}
