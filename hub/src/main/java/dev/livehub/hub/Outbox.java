package dev.livehub.hub;

import java.util.List;

/**
 * Where {@link CrudBus} hands a publication made inside a database transaction, so that it survives the node: the
 * outbox writes it in that transaction, and it is appended after commit, by this node or, if this node dies first,
 * by another (see {@code dev.livehub.hub.outbox.JdbcOutbox}).
 */
@FunctionalInterface
public interface Outbox {

    /** No outbox: publications go after commit from memory ({@link AfterCommit}), as before. */
    Outbox NONE = (users, publication) -> false;

    /**
     * Writes the publication in the caller's open transaction, to be appended after it commits.
     *
     * @return false when the caller runs no transaction: the caller publishes itself
     */
    boolean offer(List<String> users, Publication publication);
}
