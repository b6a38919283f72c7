package dev.livehub.hub.engine;

/**
 * The store could not do what was asked (unreachable, timed out, refused). The message says which operation failed.
 */
public class EngineException extends RuntimeException {

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
