package dev.livehub.hub.outbox;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.livehub.hub.Hub;
import dev.livehub.hub.Outbox;
import dev.livehub.hub.Publication;
import dev.livehub.hub.PublishConflictException;
import dev.livehub.hub.PublishRetries;
import dev.livehub.hub.engine.EngineException;

/**
 * A transactional outbox in the application's database, table {@code hub_outbox} (the DDL is in the README): a
 * publication made inside a transaction is inserted in that transaction, so it commits or rolls back with the change
 * it announces. After commit this node appends it at once, with its publish id, and deletes the row. A row left
 * behind (the node died between commit and append, or the store was down) is appended by {@link #relayDue()}, which
 * every node runs: any node finishes what a dead one left, and a node finishes its own after a restart.
 *
 * <p>Nothing is appended twice: a row is claimed by one node at a time (a conditional update of its attempt time),
 * and the engine appends a publish id once within {@code hub.stream.dedupe-window}, which covers a node that appended
 * and died before it deleted the row, as long as the row is relayed again within that window ({@code relayAfter} is
 * seconds, the window minutes). A row relayed again only after the window (a database restored from a backup, rows
 * copied between environments, a {@code relayAfter} set above the window) is appended again: the window is the limit
 * of "once".
 *
 * <p>A row the store keeps refusing is not retried for ever: once it is {@code hub.publish.retry-for} old and a sweep
 * still cannot append it, it is given up the way {@link PublishRetries} gives up its own: deleted, counted in
 * {@code hub.publish.given.up}, and its users owed a {@code reset}, appended as soon as the store takes writes again,
 * so every client of theirs reloads. Logged when the first is given up, and once with the count when the store takes
 * a publication again.
 *
 * <p>Thread-safe.
 */
public final class JdbcOutbox implements Outbox {

    private static final Logger log = LoggerFactory.getLogger(JdbcOutbox.class);

    /** Rows relayed per sweep; the next sweep takes the next ones. */
    private static final int BATCH = 200;

    private final Hub hub;

    private final JdbcClient jdbc;

    private final TransactionTemplate separately;

    private final Clock clock;

    private final long relayAfterMillis;

    private final PublishRetries retries;

    /** Rows given up since the store last took one: the first is logged, the rest counted, then summed up once. */
    private final AtomicInteger givenUpInOutage = new AtomicInteger();

    private volatile long lastFailureLog;

    /** Until when commits leave their rows to the sweeps instead of each waiting out a store that just failed. */
    private volatile long storeDownUntil;

    /**
     * @param transactions the application's transaction manager, over the same data source as {@code jdbc}
     * @param relayAfter how old an attempt must be before a sweep takes the row over (its first attempt is at commit)
     * @param retries where rows refused for {@link PublishRetries#retryFor()} are given up: their users get a reset
     */
    public JdbcOutbox(Hub hub, JdbcClient jdbc, PlatformTransactionManager transactions, Clock clock,
            Duration relayAfter, PublishRetries retries) {
        this.hub = hub;
        this.jdbc = jdbc;
        this.separately = new TransactionTemplate(transactions);
        // After commit the committed transaction's connection is still bound: work there would never commit.
        this.separately.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
        this.relayAfterMillis = relayAfter.toMillis();
        this.retries = retries;
    }

    private record Row(long id, List<String> users, Publication publication, long createdMs, long attemptMs) {
    }

    @Override
    public boolean offer(List<String> users, Publication publication) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            return false;
        }
        long now = clock.millis();
        jdbc.sql("INSERT INTO hub_outbox (publish_id, users, event, data, created_ms, attempt_ms) "
                + "VALUES (?, ?, ?, ?, ?, ?)")
            .params(publication.publishId(), String.join(" ", users), publication.event(), publication.data(), now,
                    now)
            .update();
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                if (clock.millis() >= storeDownUntil) {
                    relay(users, publication);
                }
            }
        });
        return true;
    }

    /**
     * Appends the rows whose last attempt is older than {@code relayAfter}, oldest first: what a dead node left, and
     * what the store refused. Called by every node, now and then.
     *
     * @return how many rows were appended
     */
    public int relayDue() {
        long now = clock.millis();
        List<Row> due = jdbc.sql("SELECT id, users, publish_id, event, data, created_ms, attempt_ms FROM hub_outbox "
                + "WHERE attempt_ms <= ? ORDER BY id FETCH FIRST " + BATCH + " ROWS ONLY")
            .param(now - relayAfterMillis)
            .query((rs, n) -> new Row(rs.getLong("id"), Arrays.asList(rs.getString("users").split(" ")),
                    new Publication(rs.getString("event"), rs.getString("data"), rs.getString("publish_id")),
                    rs.getLong("created_ms"), rs.getLong("attempt_ms")))
            .list();
        long expiredBefore = now - retries.retryFor().toMillis();
        int relayed = 0;
        int givenUp = 0;
        boolean storeFailed = false;
        for (Row row : due) {
            boolean expired = row.createdMs() <= expiredBefore;
            if (storeFailed && !expired) {
                // The store just refused one: the rest wait for the next sweep instead of each waiting out a timeout.
                continue;
            }
            // Claimed by whoever moves its attempt time first; another node's sweep skips it until relayAfter passes.
            boolean claimed = jdbc.sql("UPDATE hub_outbox SET attempt_ms = ? WHERE id = ? AND attempt_ms = ?")
                .params(clock.millis(), row.id(), row.attemptMs())
                .update() == 1;
            if (!claimed) {
                continue;
            }
            if (!storeFailed && relay(row.users(), row.publication())) {
                relayed++;
                continue;
            }
            storeFailed = true;
            if (expired) {
                giveUp(row);
                givenUp++;
            }
        }
        if (relayed > 0) {
            log.info("Relayed {} publications left in the outbox (by a node that stopped, or while the store was "
                    + "down)", relayed);
        }
        if (givenUp > 0 && givenUpInOutage.getAndAdd(givenUp) == 0) {
            log.error("Gave up {} publications in the outbox that the store refused for {} s; their users get a reset "
                    + "when it takes writes again. Until then the next ones are counted (hub.publish.given.up), not "
                    + "logged", givenUp, retries.retryFor().toSeconds());
        }
        return relayed;
    }

    /** Deletes a row the store refused for {@code retry-for}; its users are owed a reset. */
    private void giveUp(Row row) {
        separately.executeWithoutResult(status -> jdbc.sql("DELETE FROM hub_outbox WHERE id = ?")
            .param(row.id())
            .update());
        retries.givenUpElsewhere(row.users());
    }

    /** Appends one publication and deletes its row; on a store failure the row stays for a later sweep. */
    private boolean relay(List<String> users, Publication publication) {
        try {
            hub.publish(users, publication);
            int givenUp = givenUpInOutage.getAndSet(0);
            if (givenUp > 0) {
                log.info("The store takes writes again; {} publications in the outbox were given up while it refused "
                        + "them, and their users get a reset", givenUp);
            }
        }
        catch (EngineException ex) {
            storeDownUntil = clock.millis() + relayAfterMillis;
            long now = System.nanoTime();
            if (now - lastFailureLog > Duration.ofSeconds(10).toNanos()) {
                lastFailureLog = now;
                log.warn("Appending a publication from the outbox failed ({}); it stays there and is retried every "
                        + "{} ms", ex.getMessage(), relayAfterMillis);
            }
            return false;
        }
        catch (PublishConflictException ex) {
            // The publish id stands for other content already: this row can never be appended. Said, then dropped.
            log.warn("A publication in the outbox was refused and is dropped: {}", ex.getMessage());
        }
        try {
            separately.executeWithoutResult(status -> jdbc.sql("DELETE FROM hub_outbox WHERE publish_id = ?")
                .param(publication.publishId())
                .update());
        }
        catch (RuntimeException ex) {
            // Appended; a later sweep appends it again within the dedupe window, which appends nothing.
            log.warn("Deleting a relayed publication from the outbox failed ({}); a sweep will find it appended",
                    ex.getMessage());
        }
        return true;
    }
}
