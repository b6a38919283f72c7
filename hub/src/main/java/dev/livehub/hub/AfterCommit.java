package dev.livehub.hub;

/**
 * Runs an action once the caller's transaction has committed, or at once when there is none. The Spring integration
 * supplies one bound to Spring's transaction synchronization.
 */
@FunctionalInterface
public interface AfterCommit {

    /** Runs at once: for code with no transactions. */
    AfterCommit IMMEDIATE = Runnable::run;

    void run(Runnable action);

    /** Whether {@link #run} would defer an action called now (the calling thread runs a transaction). */
    default boolean defers() {
        return false;
    }
}
