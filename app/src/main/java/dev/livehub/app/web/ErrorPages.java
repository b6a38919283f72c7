package dev.livehub.app.web;

import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.beans.TypeMismatchException;
import org.springframework.boot.web.error.ErrorAttributeOptions;
import org.springframework.boot.webmvc.error.ErrorAttributes;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.web.WebAttributes;
import org.springframework.security.web.csrf.CsrfException;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.servlet.ModelAndView;

/**
 * Every error, in the app's style: a page for browsers, and {@code {"error","message"}} for a request that accepts
 * JSON or is made from script ({@code X-Requested-With: XMLHttpRequest}). Never a stack trace; a 5xx never shows the
 * exception's message, a 4xx shows what the user can act on.
 */
@Controller
class ErrorPages implements ErrorController {

    private final ErrorAttributes errors;

    ErrorPages(ErrorAttributes errors) {
        this.errors = errors;
    }

    /** What went wrong, said for the person who made the request. */
    record Problem(HttpStatus status, String message) {

        String code() {
            return status.name().toLowerCase();
        }
    }

    @RequestMapping(path = "/error", produces = MediaType.TEXT_HTML_VALUE)
    ModelAndView page(HttpServletRequest request) {
        Problem problem = problem(request);
        return new ModelAndView("error", Map.of("status", problem.status().value(),
                "reason", problem.status().getReasonPhrase(), "problem", problem.message()), problem.status());
    }

    @RequestMapping(path = "/error", headers = "X-Requested-With=XMLHttpRequest")
    ResponseEntity<Map<String, String>> fromScript(HttpServletRequest request) {
        return json(request);
    }

    @RequestMapping(path = "/error")
    ResponseEntity<Map<String, String>> json(HttpServletRequest request) {
        Problem problem = problem(request);
        return ResponseEntity.status(problem.status()).contentType(MediaType.APPLICATION_JSON)
            .body(Map.of("error", problem.code(), "message", problem.message()));
    }

    private Problem problem(HttpServletRequest request) {
        ServletWebRequest webRequest = new ServletWebRequest(request);
        Map<String, Object> attributes = errors.getErrorAttributes(webRequest,
                ErrorAttributeOptions.defaults().including(ErrorAttributeOptions.Include.MESSAGE));
        Object code = attributes.get("status");
        HttpStatus status = code instanceof Integer value && HttpStatus.resolve(value) != null
                ? HttpStatus.resolve(value) : HttpStatus.INTERNAL_SERVER_ERROR;
        if (status == HttpStatus.FORBIDDEN
                && request.getAttribute(WebAttributes.ACCESS_DENIED_403) instanceof CsrfException) {
            // A form without its token: most often one left open past the session's end, or a forged post.
            return new Problem(status, "This form has expired. Reload the page, sign in if asked, and try again.");
        }
        if (status == HttpStatus.BAD_REQUEST && errors.getError(webRequest) instanceof TypeMismatchException mismatch
                && mismatch.getPropertyName() != null) {
            // Spring's own message names Java types ("java.lang.String", "long"): say which value was wrong instead.
            return new Problem(status, "The request was not understood: " + quoted(mismatch.getValue())
                    + " is not a valid " + mismatch.getPropertyName() + ".");
        }
        String message = attributes.get("message") instanceof String text ? text.strip() : "";
        return new Problem(status, say(status, message));
    }

    /** The value a request gave, quoted, at most 40 characters of it. */
    private static String quoted(Object value) {
        String text = String.valueOf(value);
        return "\u201c" + (text.length() > 40 ? text.substring(0, 40) + "\u2026" : text) + "\u201d";
    }

    private static String say(HttpStatus status, String message) {
        if (status.is5xxServerError()) {
            return status == HttpStatus.SERVICE_UNAVAILABLE && !message.isEmpty() ? message
                    : "Something went wrong on our side. Try again in a moment.";
        }
        return switch (status) {
            case NOT_FOUND -> "There is no such page, or it is not yours to see.";
            case FORBIDDEN -> message.isEmpty() || message.equals("Forbidden") || message.equals("Access Denied")
                    ? "You do not have access to this page." : message;
            case BAD_REQUEST -> "The request was not understood" + (message.isEmpty() || message.equals("Bad Request")
                    ? "." : ": " + message);
            default -> message.isEmpty() || message.equals(status.getReasonPhrase()) ? status.getReasonPhrase() : message;
        };
    }
}
