package dev.livehub.hub;

import java.io.IOException;

/**
 * Where a connection's writer sends its bytes: the response of one HTTP request. Called from one thread at a time.
 */
public interface SseOutput {

    /**
     * Writes and flushes; throws when the client is gone: {@link DeadPeer} when it went without closing (a write it
     * never acknowledged), counted as {@code hub.streams.dead.peers}.
     */
    void send(byte[] bytes) throws IOException;

    /** Ends the response; the browser reconnects after its {@code retry:} delay. */
    void close();

    /** The client is gone without closing: a write it did not acknowledge within the transport's bound. */
    final class DeadPeer extends IOException {

        public DeadPeer(String message) {
            super(message);
        }

        /**
         * Whether {@code failure} (or one of its causes) is the kernel dropping the connection because the peer is
         * gone without closing: it acknowledged nothing within {@code TCP_USER_TIMEOUT} ({@code ETIMEDOUT}, "Connection
         * timed out", tcp(7)), or the way to it is gone ({@code EHOSTUNREACH}, "No route to host"; {@code ENETUNREACH},
         * "Network is unreachable"). A reset ({@code ECONNRESET}) or a broken pipe is a peer that closed, not one that
         * vanished. The JDK and Netty give these only as the message of {@code strerror(3)}.
         */
        public static boolean causedBy(Throwable failure) {
            for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
                String message = cause instanceof IOException ? cause.getMessage() : null;
                if (message != null && (message.contains("Connection timed out")
                        || message.contains("No route to host") || message.contains("Network is unreachable"))) {
                    return true;
                }
            }
            return false;
        }
    }
}
