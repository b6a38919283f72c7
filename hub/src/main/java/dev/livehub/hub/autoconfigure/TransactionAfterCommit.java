package dev.livehub.hub.autoconfigure;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.livehub.hub.AfterCommit;

/**
 * Defers to after commit when the calling thread runs a Spring-managed transaction; runs at once otherwise. After a
 * rollback the action never runs. An action that fails after commit is logged, never thrown: the caller's
 * transaction has committed, and its caller must not see it as failed.
 */
final class TransactionAfterCommit implements AfterCommit {

    private static final Logger log = LoggerFactory.getLogger(TransactionAfterCommit.class);

    @Override
    public void run(Runnable action) {
        if (!defers()) {
            action.run();
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                try {
                    action.run();
                }
                catch (RuntimeException ex) {
                    log.error("What the hub does after a commit failed; the transaction stays committed", ex);
                }
            }
        });
    }

    @Override
    public boolean defers() {
        return TransactionSynchronizationManager.isSynchronizationActive();
    }
}
