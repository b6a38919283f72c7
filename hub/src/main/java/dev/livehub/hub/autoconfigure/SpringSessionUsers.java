package dev.livehub.hub.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;

import dev.livehub.hub.admission.HubUserResolver;
import dev.livehub.hub.admission.SessionStreams;
import dev.livehub.hub.admission.SessionUsers;
import dev.livehub.hub.admission.StreamRefusal;
import dev.livehub.hub.admission.StreamRequest;

/**
 * The signed-in user of a request that is not a servlet request (the Netty stream port): its session cookie, looked
 * up in Spring Session's store, and the Spring Security context saved in that session. The session is only read,
 * never saved, so opening a stream does not extend it. A session with a stream open on this node is not read again,
 * only asked to still exist ({@link SessionStreams#userOf}): while 19,000 session streams of 5,000 sessions opened
 * on one node, reading each session from Redis and deserializing its attributes (JDK serialization, Spring Session's
 * default) led the allocation profile (JFR), and that garbage is what grew the node's heap (README, memory of idle
 * streams).
 *
 * <p>At most {@value #LOOKUPS} sessions are read from the store at once; the other stream opens wait their turn (in
 * order of arrival, up to {@link #TURN_WAIT_SECONDS} s, then 503 {@code busy}). Without the bound, a burst of
 * signed-in browsers (5,000 through nginx at 2,000 a second, on 2 cores) had every session read in flight at once,
 * each one's reply decoded and its context deserialized in competition with all the others: opens took 1.7-2.3 s,
 * and the reads past the store's command timeout ({@code spring.data.redis.timeout}, 2 s in the app) answered 9-22 %
 * of them 503 {@code store_unavailable}, from a store that was not failing. Thread-safe.
 */
final class SpringSessionUsers implements SessionUsers {

    /** Session reads in flight at once: enough to keep a pipelined store connection busy, few enough to finish fast. */
    static final int LOOKUPS = 16;

    /** How long a stream open waits for its turn to read its session before it is refused 503 {@code busy}. */
    static final long TURN_WAIT_SECONDS = 10;

    private final Semaphore lookups = new Semaphore(LOOKUPS, true);

    /** Where Spring Security's {@code HttpSessionSecurityContextRepository} keeps the context in the session. */
    static final String SECURITY_CONTEXT = "SPRING_SECURITY_CONTEXT";

    private final SessionRepository<? extends Session> sessions;

    private final HubUserResolver users;

    private final String cookie;

    private final SessionStreams open;

    /**
     * @param cookie the session cookie's name; its value is the session id in Base64, Spring Session's default
     * @param open the sessions with streams open on this node, whose users are known without the store
     */
    SpringSessionUsers(SessionRepository<? extends Session> sessions, HubUserResolver users, String cookie,
            SessionStreams open) {
        this.sessions = sessions;
        this.users = users;
        this.cookie = cookie;
        this.open = open;
    }

    /**
     * The user of the first of the request's session cookies that names a signed-in session: a browser may send a
     * stale session cookie beside the live one (another path or domain), and Spring Session's servlet filter tries
     * each too.
     */
    @Override
    public SessionUser find(StreamRequest request) {
        for (String value : request.cookies(cookie)) {
            SessionUser user = find(value);
            if (user != null) {
                return user;
            }
        }
        return null;
    }

    private SessionUser find(String value) {
        if (value.isEmpty()) {
            return null;
        }
        String id;
        try {
            id = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
        }
        catch (IllegalArgumentException ex) {
            return null;
        }
        String known = open.userOf(id);
        if (known != null) {
            return new SessionUser(known, id);
        }
        Session session = read(id);
        if (session == null || session.isExpired()
                || !(session.getAttribute(SECURITY_CONTEXT) instanceof SecurityContext context)) {
            return null;
        }
        Authentication authentication = context.getAuthentication();
        if (authentication == null || !authentication.isAuthenticated()
                || authentication instanceof AnonymousAuthenticationToken) {
            return null;
        }
        String user = users.resolve(authentication);
        return user == null ? null : new SessionUser(user, session.getId());
    }

    /** The session from the store, read in its turn ({@link #LOOKUPS} at once). */
    private Session read(String id) {
        boolean turn;
        try {
            turn = lookups.tryAcquire(TURN_WAIT_SECONDS, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            turn = false;
        }
        if (!turn) {
            throw new StreamRefusal(503, "busy", "this node is busy opening other streams; retry shortly", 2);
        }
        try {
            return sessions.findById(id);
        }
        finally {
            lookups.release();
        }
    }
}
