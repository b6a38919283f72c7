package dev.livehub.hub.autoconfigure;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.livehub.hub.AfterCommit;

/**
 * Defers to after commit when the calling thread runs a Spring-managed transaction; runs at once otherwise. After a
 * rollback the action never runs.
 */
final class TransactionAfterCommit implements AfterCommit {

    @Override
    public void run(Runnable action) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            action.run();
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                action.run();
            }
        });
    }
}
