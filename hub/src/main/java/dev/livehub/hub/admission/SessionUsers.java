package dev.livehub.hub.admission;

/**
 * Who is signed in with a request's session: the servlet container's session for the servlet endpoint, the session
 * store (Spring Session) read by its cookie for the Netty stream port. Looking a session up must not extend it: a tab
 * left open does not keep its session alive.
 */
@FunctionalInterface
public interface SessionUsers {

    /** No sessions on this transport: tokens only. */
    SessionUsers NONE = request -> null;

    /**
     * The signed-in hub user of the request's session, or {@code null} (no session, expired, or nobody signed in).
     */
    SessionUser find(StreamRequest request);

    /** A hub user and the id of the session that says so (streams end with that session). */
    record SessionUser(String user, String sessionId) {
    }
}
