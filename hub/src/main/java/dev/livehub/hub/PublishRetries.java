package dev.livehub.hub;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.livehub.hub.engine.EngineException;

/**
 * Publications the store refused (Redis down or failing over), retried in the background with the same publish id,
 * so a retry is appended once, for at most {@code retryFor}. What still fails then is not dropped silently: its users
 * are owed a {@code reset}, appended to their streams as soon as the store takes writes again, so every client of
 * theirs, on any node, reloads what it shows. Nothing is lost unreported, unless this node dies while it owes.
 *
 * <p>One worker retries the oldest publication until the store takes it, then drains the rest in order. While any
 * publication waits, new ones queue behind it without trying the store: publishers do not each wait out a timeout
 * during an outage, and publications keep their order.
 */
public final class PublishRetries implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PublishRetries.class);

    private static final long FIRST_BACKOFF_MS = 100;

    private static final long MAX_BACKOFF_MS = 2000;

    /** Publications waiting at once, beyond which new failures go straight to a reset. */
    private static final int CAPACITY = 100_000;

    private record Pending(List<String> users, Publication publication, long since) {
    }

    private final Hub hub;

    private final Duration retryFor;

    private final Deque<Pending> queue = new ArrayDeque<>();

    private final Set<String> owedReset = new LinkedHashSet<>();

    private final AtomicInteger given = new AtomicInteger();

    private Thread worker;

    /** The store refused the last attempt: logged once when it starts, and once when it takes writes again. */
    private boolean failing;

    private boolean closed;

    public PublishRetries(Hub hub, Duration retryFor) {
        this.hub = hub;
        this.retryFor = retryFor;
        hub.metrics().bind(this);
    }

    /**
     * Publishes now, or, when the store fails or earlier publications are still waiting for it, queues the
     * publication for retries and returns.
     */
    public void publish(Collection<String> users, Publication publication) {
        List<String> targets = List.copyOf(users);
        synchronized (this) {
            if (!queue.isEmpty()) {
                enqueue(new Pending(targets, publication, System.nanoTime()));
                return;
            }
        }
        try {
            hub.publish(targets, publication);
        }
        catch (PublishConflictException ex) {
            // The earlier publication under this id stands; retrying cannot change that.
            log.error("Publishing '{}' to {} users was refused: {}", publication.event(), targets.size(),
                    ex.getMessage());
        }
        catch (EngineException ex) {
            log.warn("Publishing '{}' to {} users failed ({}); retrying for up to {} s, later publications queue "
                    + "behind it", publication.event(), targets.size(), ex.getMessage(), retryFor.toSeconds());
            synchronized (this) {
                failing = true;
                enqueue(new Pending(targets, publication, System.nanoTime()));
            }
        }
    }

    /**
     * Queues the publication for the worker and returns at once, never waiting for the store: what
     * {@link CrudBus} does after a commit, so a request thread is not held for the store's timeout when it is away.
     * Publications keep their order, with each other and with {@link #publish}.
     */
    public void publishLater(Collection<String> users, Publication publication) {
        Pending pending = new Pending(List.copyOf(users), publication, System.nanoTime());
        synchronized (this) {
            enqueue(pending);
        }
    }

    /**
     * Gives up a publication retried elsewhere (the outbox's sweeps) for {@code retryFor}, as this does its own: it
     * counts in {@code hub.publish.given.up}, and its users are owed a {@code reset}, appended as soon as the store
     * takes writes again. The caller logs.
     */
    public synchronized void givenUpElsewhere(Collection<String> users) {
        given.incrementAndGet();
        owedReset.addAll(users);
        wake();
    }

    /** How long a publication the store refuses is retried before it is given up ({@code hub.publish.retry-for}). */
    Hub hub() {
        return hub;
    }

    public Duration retryFor() {
        return retryFor;
    }

    /** Publications still being retried, or queued by {@link #publishLater} and not yet published. */
    public synchronized int waiting() {
        return queue.size();
    }

    /** Users owed a reset, not yet appended. */
    public synchronized int owed() {
        return owedReset.size();
    }

    /** Publications given up since start (their users were or will be reset). */
    public int givenUp() {
        return given.get();
    }

    private void enqueue(Pending pending) {
        if (closed) {
            giveUp(pending, "shutting down");
            return;
        }
        if (queue.size() >= CAPACITY) {
            giveUp(pending, "more than " + CAPACITY + " publications waiting");
        }
        else {
            queue.addLast(pending);
        }
        wake();
    }

    private void wake() {
        if (worker == null || !worker.isAlive()) {
            worker = Thread.ofVirtual().name("hub-publish-retry").start(this::work);
        }
        else {
            notifyAll();
        }
    }

    /** Retries the head until it goes through or expires; then appends the owed resets. Ends when nothing is left. */
    private void work() {
        long backoff = FIRST_BACKOFF_MS;
        int attempts = 0;
        long firstWaiting = 0;
        while (true) {
            Pending head;
            String owed = null;
            synchronized (this) {
                expireOld();
                head = queue.peekFirst();
                if (head == null) {
                    owed = owedReset.isEmpty() ? null : owedReset.iterator().next();
                    if (owed == null || closed) {
                        worker = null;
                        return;
                    }
                }
            }
            try {
                if (head != null) {
                    if (attempts == 0) {
                        firstWaiting = head.since();
                    }
                    hub.publish(head.users(), head.publication());
                    attempts++;
                    synchronized (this) {
                        queue.pollFirst();
                        if (queue.isEmpty()) {
                            if (failing) {
                                log.info("The store takes writes again: {} waiting publications went through, the "
                                        + "oldest {} ms late", attempts,
                                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - firstWaiting));
                            }
                            failing = false;
                            attempts = 0;
                        }
                    }
                }
                else {
                    hub.engine().appendReset(owed, "lost");
                    synchronized (this) {
                        owedReset.remove(owed);
                        if (owedReset.isEmpty()) {
                            log.info("Every user whose events were lost got a reset");
                        }
                    }
                }
                backoff = FIRST_BACKOFF_MS;
            }
            catch (EngineException ex) {
                synchronized (this) {
                    if (!failing && head != null) {
                        log.warn("Publishing '{}' to {} users failed ({}); retrying for up to {} s, later "
                                + "publications queue behind it", head.publication().event(), head.users().size(),
                                ex.getMessage(), retryFor.toSeconds());
                    }
                    failing = true;
                    if (closed) {
                        worker = null;
                        return;
                    }
                    try {
                        wait(backoff);
                    }
                    catch (InterruptedException interrupted) {
                        worker = null;
                        return;
                    }
                }
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
            catch (PublishConflictException ex) {
                log.error("Publishing '{}' to {} users was refused: {}", head.publication().event(),
                        head.users().size(), ex.getMessage());
                synchronized (this) {
                    if (queue.peekFirst() == head) {
                        queue.pollFirst();
                    }
                }
            }
            catch (RuntimeException ex) {
                log.error("Retrying publications failed unexpectedly; {} still waiting", waiting(), ex);
                synchronized (this) {
                    if (head != null && queue.peekFirst() == head) {
                        queue.pollFirst();
                        giveUp(head, ex.toString());
                    }
                }
            }
        }
    }

    /** Gives up, in order, every waiting publication older than {@code retryFor}. Holds the lock. */
    private void expireOld() {
        long now = System.nanoTime();
        int expired = 0;
        while (!queue.isEmpty() && now - queue.peekFirst().since() >= retryFor.toNanos()) {
            owe(queue.pollFirst());
            expired++;
        }
        if (expired > 0) {
            log.error("Gave up {} publications the store refused for {} s; {} users get a reset when it takes writes "
                    + "again", expired, retryFor.toSeconds(), owedReset.size());
        }
    }

    /** Counts a publication given up; its users are owed a reset. Holds the lock. */
    private void owe(Pending pending) {
        given.incrementAndGet();
        owedReset.addAll(pending.users());
    }

    private void giveUp(Pending pending, String reason) {
        owe(pending);
        log.error("Gave up publishing '{}' to {} users ({}); they get a reset when the store takes writes again",
                pending.publication().event(), pending.users().size(), reason);
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
        if (!queue.isEmpty() || !owedReset.isEmpty()) {
            log.error("Shutting down with {} publications unpublished and {} users owed a reset; their clients "
                    + "may miss events without a reset", queue.size(), owedReset.size());
        }
    }
}
