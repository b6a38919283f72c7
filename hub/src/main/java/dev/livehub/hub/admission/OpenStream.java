package dev.livehub.hub.admission;

import dev.livehub.hub.Connection;

/**
 * A stream {@link StreamAdmission} opened. Its transport calls {@link #end()} when the peer is gone or the response
 * is complete, whatever the reason, so the stream's slot and its session tracking are given back.
 */
public final class OpenStream {

    private final Connection connection;

    private final StreamUser user;

    private final SessionStreams sessions;

    OpenStream(Connection connection, StreamUser user, SessionStreams sessions) {
        this.connection = connection;
        this.user = user;
        this.sessions = sessions;
    }

    public Connection connection() {
        return connection;
    }

    public StreamUser user() {
        return user;
    }

    /** Ends the stream and forgets its session. Idempotent. */
    public void end() {
        connection.close();
        forget();
    }

    /**
     * Ends the stream because its peer is gone without closing ({@link Connection#closeDeadPeer}), and forgets its
     * session. Idempotent.
     */
    public void endDeadPeer() {
        connection.closeDeadPeer();
        forget();
    }

    private void forget() {
        if (user.sessionId() != null) {
            sessions.untrack(user.sessionId(), connection);
        }
    }
}
