package dev.livehub.hub.web;

import java.io.IOException;

import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;

import dev.livehub.hub.SseOutput;

/**
 * A connection's bytes into Spring MVC's async response. Frames are already encoded, so they go out as bytes with no
 * converter work; each send is written and flushed.
 */
final class EmitterOutput implements SseOutput {

    private final ResponseBodyEmitter emitter;

    EmitterOutput(ResponseBodyEmitter emitter) {
        this.emitter = emitter;
    }

    @Override
    public void send(byte[] bytes) throws IOException {
        try {
            emitter.send(bytes, MediaType.TEXT_EVENT_STREAM);
        }
        catch (IllegalStateException ex) {
            // Sent after the response completed (client gone, timeout): the same as a broken pipe.
            throw new IOException("response already completed", ex);
        }
    }

    @Override
    public void close() {
        try {
            emitter.complete();
        }
        catch (IllegalStateException ex) {
            // Already completed.
        }
    }
}
