package dev.livehub.hub.admission;

/**
 * A subscriber token that cannot open a stream; the message says why and never repeats the token.
 */
public final class InvalidTokenException extends RuntimeException {

    public InvalidTokenException(String message) {
        super(message, null, false, false);
    }
}
