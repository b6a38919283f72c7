package dev.livehub.hub;

import java.io.IOException;

/**
 * Where a connection's writer sends its bytes: the response of one HTTP request. Called from one thread at a time.
 */
public interface SseOutput {

    /** Writes and flushes; throws when the client is gone. */
    void send(byte[] bytes) throws IOException;

    /** Ends the response; the browser reconnects after its {@code retry:} delay. */
    void close();
}
