package dev.livehub.hub;

/**
 * A user already holds {@link HubSettings#maxConnectionsPerUser()} streams on this node.
 */
public class TooManyConnectionsException extends RuntimeException {

    public TooManyConnectionsException(String user, int limit) {
        super("user " + user + " already has " + limit + " open streams on this node; close a tab or wait");
    }
}
