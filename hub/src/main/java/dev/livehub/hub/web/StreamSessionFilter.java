package dev.livehub.hub.web;

import java.io.IOException;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.livehub.hub.admission.StreamAdmission;
import dev.livehub.hub.admission.StreamRefusal;

/**
 * With Spring Session: {@code /stream/app} and {@code /stream/app/poll} do not save the session they read. The
 * endpoints drop the request's current session before they answer, and this filter, placed just inside Spring
 * Session's, drops it again at the end of every dispatch (filters of a stream's closing dispatch may read it anew).
 *
 * <p>Two reasons. A tab left open must not keep a session alive forever: its reconnects and polls do not extend the
 * session, which expires after its idle timeout like any other, and the stream then ends with {@code auth-expired}.
 * And the dispatch that ends a stream must not save a session that a sign-out deleted meanwhile (Spring Session
 * refuses with "Session was invalidated", logged as an error with a stack trace).
 *
 * <p>While the event store is away (the hub lost its live connection to Redis), a stream or poll is answered the
 * endpoint's 503 {@code store_unavailable} at once, before Spring Security reads the session: with sessions in that
 * Redis the read would wait for its command timeout first, twice (4 s with a 2 s timeout). When the session store
 * fails all the same before the endpoint runs, a stream or poll gets that 503 too, as on the stream port, not the
 * application's error page.
 */
public final class StreamSessionFilter implements Filter {

    private static final Logger log = LoggerFactory.getLogger(StreamSessionFilter.class);

    /** Where Spring Session (SessionRepositoryFilter) keeps the session it saves when a dispatch ends. */
    static final String CURRENT_SESSION = "org.springframework.session.SessionRepository.CURRENT_SESSION";

    private final StreamAdmission admission;

    /** @param admission whose first check ({@link StreamAdmission#requireStore()}) runs here, before the session */
    public StreamSessionFilter(StreamAdmission admission) {
        this.admission = admission;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && isStream(http)
                && http.getDispatcherType() == DispatcherType.REQUEST) {
            try {
                admission.requireStore();
            }
            catch (StreamRefusal refusal) {
                StreamEndpoint.refuse(http, (HttpServletResponse) response, refusal);
                return;
            }
        }
        try {
            chain.doFilter(request, response);
        }
        catch (RuntimeException | ServletException ex) {
            if (!(request instanceof HttpServletRequest http && isStream(http)) || !StreamRefusal.isStoreFailure(ex)
                    || response.isCommitted()) {
                throw ex;
            }
            log.debug("{}: the session store failed: {}", http.getRequestURI(), ex.toString());
            // The session store failed before the endpoint ran (Spring Security reading the session): the endpoint's
            // own answer, as on the stream port, not the application's error page.
            response.reset();
            StreamEndpoint.refuse(http, (HttpServletResponse) response, StreamRefusal.storeUnavailable("session store"));
        }
        finally {
            if (request instanceof HttpServletRequest http && isStream(http)) {
                leaveSessionUntouched(request);
            }
        }
    }

    /**
     * Drops the session Spring Session would save for this request. The endpoints call it too, before they answer:
     * Spring Session also saves when the response is committed, before this filter's turn comes.
     */
    static void leaveSessionUntouched(ServletRequest request) {
        request.removeAttribute(CURRENT_SESSION);
    }

    private static boolean isStream(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return path.equals(StreamEndpoint.STREAM_PATH) || path.equals(StreamEndpoint.POLL_PATH);
    }
}
