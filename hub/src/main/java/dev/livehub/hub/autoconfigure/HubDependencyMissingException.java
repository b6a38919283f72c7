package dev.livehub.hub.autoconfigure;

/** A property asks for a part of the hub whose dependency is not on the classpath; the message names what to add. */
class HubDependencyMissingException extends IllegalStateException {

    HubDependencyMissingException(String message) {
        super(message);
    }
}
