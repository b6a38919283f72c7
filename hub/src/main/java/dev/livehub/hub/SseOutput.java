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
    }
}
