package dev.livehub.hub.autoconfigure;

import dev.livehub.hub.AfterCommit;

/** Lets tests outside this package use the package-private {@link TransactionAfterCommit}. */
public final class TransactionAfterCommitAccess {

    public AfterCommit afterCommit() {
        return new TransactionAfterCommit();
    }
}
