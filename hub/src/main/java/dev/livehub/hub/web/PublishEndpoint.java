package dev.livehub.hub.web;

import java.io.IOException;
import java.io.InputStream;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import dev.livehub.hub.publishing.HttpPublishing;

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
 * store call per shard. The Netty stream port ({@code hub.stream-port}) serves the same paths, cheaper still, through
 * the same {@link HttpPublishing}.
 */
public final class PublishEndpoint implements Filter {

    public static final String PATH = HttpPublishing.PATH;

    public static final String BATCH_PATH = HttpPublishing.BATCH_PATH;

    private final HttpPublishing publishing;

    public PublishEndpoint(HttpPublishing publishing) {
        this.publishing = publishing;
    }

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) servletRequest;
        HttpServletResponse response = (HttpServletResponse) servletResponse;
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (!HttpPublishing.serves(path)) {
            chain.doFilter(request, response);
            return;
        }
        HttpPublishing.Answer answer = publishing.refusalBeforeBody(request.getMethod(),
                request.getHeader("Authorization"), request.getContentType(), request.getHeader("Content-Encoding"));
        if (answer != null) {
            // Refused from the head: the body is not read, and the connection closes after the answer (Tomcat does
            // not swallow a body left unread, see TomcatRequestBodies).
            response.setHeader("Connection", "close");
        }
        else {
            byte[] body = read(request, response, path);
            answer = body == null ? HttpPublishing.tooLarge(path)
                    : publishing.answer(request.getMethod(), path, request.getHeader("Authorization"), body);
        }
        response.setStatus(answer.status());
        response.setContentType("application/json");
        // As Spring Security would send them, since this endpoint runs ahead of its filters.
        response.setHeader("Cache-Control", "no-store");
        response.setHeader("X-Content-Type-Options", "nosniff");
        if (answer.retryAfter()) {
            response.setHeader("Retry-After", "1");
        }
        if (answer.allow() != null) {
            response.setHeader("Allow", answer.allow());
        }
        response.setContentLength(answer.json().length);
        response.getOutputStream().write(answer.json());
        response.flushBuffer();
    }

    /**
     * The body, or {@code null} when it is longer than its bound ({@link HttpPublishing#maxBody}): read and dropped
     * first, or left unread with the answer closing the connection, as {@link HttpPublishing#leftUnread} says (Jetty
     * does not swallow a body left unread). A chunked body is read up to one byte past the bound, then drained up to
     * {@link HttpPublishing#DRAINED_PAST_BOUND}.
     */
    private static byte[] read(HttpServletRequest request, HttpServletResponse response, String path)
            throws IOException {
        int max = HttpPublishing.maxBody(path);
        long declared = request.getContentLengthLong();
        if (declared > max) {
            boolean expectsContinue = "100-continue".equalsIgnoreCase(request.getHeader("Expect"));
            if (HttpPublishing.leftUnread(path, declared, expectsContinue)) {
                // Its body left unread: no further request can follow on this connection.
                response.setHeader("Connection", "close");
            }
            else {
                try (InputStream in = request.getInputStream()) {
                    drain(in, declared);
                }
            }
            return null;
        }
        try (InputStream in = request.getInputStream()) {
            // The declared length read at once; a chunked body (no length) up to one byte past the bound.
            byte[] bytes = in.readNBytes(declared >= 0 ? (int) declared : max + 1);
            if (bytes.length > max) {
                drain(in, HttpPublishing.DRAINED_PAST_BOUND);
                return null;
            }
            return bytes;
        }
    }

    /** Reads and drops up to {@code limit} bytes. */
    private static void drain(InputStream in, long limit) throws IOException {
        byte[] buffer = new byte[8192];
        long left = limit;
        int read;
        while (left > 0 && (read = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
            left -= read;
        }
    }
}
