package dev.livehub.hub.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;

import dev.livehub.hub.admission.HubUserResolver;
import dev.livehub.hub.admission.SessionStreams;
import dev.livehub.hub.admission.SessionUsers;
import dev.livehub.hub.admission.StreamRequest;

/**
 * The signed-in user of a request that is not a servlet request (the Netty stream port): its session cookie, looked
 * up in Spring Session's store, and the Spring Security context saved in that session. The session is only read,
 * never saved, so opening a stream does not extend it. A session with a stream open on this node is not read again,
 * only asked to still exist ({@link SessionStreams#userOf}): while 19,000 session streams of 5,000 sessions opened
 * on one node, reading each session from Redis and deserializing its attributes (JDK serialization, Spring Session's
 * default) led the allocation profile (JFR), and that garbage is what grew the node's heap (README, memory of idle
 * streams).
 */
final class SpringSessionUsers implements SessionUsers {

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
        Session session = sessions.findById(id);
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
}
