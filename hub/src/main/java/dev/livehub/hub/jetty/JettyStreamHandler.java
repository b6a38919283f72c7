package dev.livehub.hub.jetty;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.livehub.hub.admission.OpenStream;
import dev.livehub.hub.admission.SessionUsers;
import dev.livehub.hub.admission.StreamAdmission;
import dev.livehub.hub.admission.StreamRefusal;

/**
 * {@code /stream/app} on a Jetty server's own port, ahead of the servlet container: the stream is served with Jetty's
 * core API ({@link JettyOutput}), at about a tenth of the memory a suspended servlet request holds, and every other
 * request (the polling fallback {@code /stream/app/poll} included) goes on to the wrapped handler. One port, no proxy:
 * what the embedded default needs.
 *
 * <p>Nothing of the servlet container runs for a stream: no servlet filter, so no Spring Security and no Spring Session
 * filter; the user is the session cookie's, read in Spring Session's store without extending it ({@link SessionUsers}),
 * or a subscriber token's, as on the Netty stream port, and the {@link StreamAdmission} decides the rest.
 *
 * <p>Thread-safety: Jetty calls {@link #handle} on its own threads, any number at once.
 */
public final class JettyStreamHandler extends Handler.Wrapper {

    private static final Logger log = LoggerFactory.getLogger(JettyStreamHandler.class);

    private final String path;

    private final Supplier<StreamAdmission> admission;

    private final Supplier<SessionUsers> sessions;

    private final JettyStreamLoops loops;

    private final Duration writeTimeout;

    private final Duration idleTimeout;

    /**
     * @param path the stream's path, decoded: the servlet context's path, then {@code /stream/app}
     * @param admission and {@code sessions}: asked for at each stream (the server is made before the beans behind them)
     * @param writeTimeout how long a client may read nothing before it counts as gone
     * @param idleTimeout the connection's idle timeout while it streams; more than a heartbeat
     */
    public JettyStreamHandler(Handler next, String path, Supplier<StreamAdmission> admission,
            Supplier<SessionUsers> sessions,
            JettyStreamLoops loops, Duration writeTimeout, Duration idleTimeout) {
        super(next);
        this.path = path;
        this.admission = admission;
        this.sessions = sessions;
        this.loops = loops;
        this.writeTimeout = writeTimeout;
        this.idleTimeout = idleTimeout;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        // The decoded, normalised path: /stream/%61pp is this stream as much as it is the servlet container's.
        if (!path.equals(request.getHttpURI().getCanonicalPath())) {
            return super.handle(request, response, callback);
        }
        JettyOutput output = new JettyOutput(request, response, callback, loops.next(), writeTimeout);
        OpenStream stream;
        try {
            stream = admission.get().open(new JettyStreamRequest(request), sessions.get(), output);
        }
        catch (RuntimeException ex) {
            refuse(response, callback, StreamRefusal.of(ex, "GET " + path, log));
            return true;
        }
        response.setStatus(200);
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        headers.put(HttpHeader.CACHE_CONTROL, "no-cache");
        headers.put("X-Content-Type-Options", "nosniff");
        // nginx buffers proxied responses unless told not to: https://nginx.org/r/proxy_buffering
        headers.put("X-Accel-Buffering", "no");
        if (JettyOutput.isHttp1(request)) {
            // The connection is watched for the client's close while it streams (JettyOutput): it carries nothing
            // after. (HTTP/2 has no such header: its streams end on their own.)
            headers.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE);
        }
        output.begin(stream, idleTimeout);
        return true;
    }

    /** {@code {"error":"<code>","message":"<sentence>"}}, with {@code Retry-After} and (405) {@code Allow}. */
    private static void refuse(Response response, Callback callback, StreamRefusal refusal) {
        byte[] body = refusal.body().getBytes(StandardCharsets.UTF_8);
        response.setStatus(refusal.status());
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, "application/json");
        headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put(HttpHeader.CONTENT_LENGTH, body.length);
        if (refusal.retryAfterSeconds() > 0) {
            headers.put(HttpHeader.RETRY_AFTER, refusal.retryAfterSeconds());
        }
        if (refusal.status() == 405) {
            headers.put(HttpHeader.ALLOW, "GET");
        }
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
