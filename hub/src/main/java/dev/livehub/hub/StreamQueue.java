package dev.livehub.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catch-up/live state machine of one stream, and the bounded outbox it fills for the stream's writer.
 *
 * <p>A stream is either catching up (its {@link CatchUpReader} reads the stream from the cursor and queues what it
 * reads, while live entries wait in a pending list) or live (live entries go straight to the outbox), or closed. Every
 * entry goes through one cursor, the last id queued, and nothing at or below it is queued again: that is how catch-up
 * and live meet with no gap and no duplicate.
 *
 * <p>Thread-safety: live entries are offered from the engine's I/O thread and never block; the catch-up thread queues
 * with {@link #enqueue}, which waits for the writer when the outbox is full; the writer thread takes from the outbox;
 * {@link #close} may come from any thread. A full outbox closes the stream (a slow client never slows the others).
 * A writer that does not wait in {@link #poll(long)} (one on an event loop) is told instead: {@link #onChange}.
 */
final class StreamQueue {

    private static final Logger log = LoggerFactory.getLogger(StreamQueue.class);

    private enum State { CATCHING_UP, LIVE, CLOSED }

    /** An event to send; {@code withId} false for a folded event that is no position to resume from. */
    record Queued(HubEvent event, boolean live, boolean withId) {
    }

    /** Wakes the writer up when the stream closes; sends nothing. */
    static final Queued WAKE = new Queued(null, false, false);

    private final String user;

    private final int capacity;

    private final HubMetrics metrics;

    private final LinkedBlockingQueue<Queued> outbox;

    private final Object lock = new Object();

    private State state = State.CATCHING_UP;

    private List<HubEvent> pending = new ArrayList<>();

    private boolean pendingOverflow;

    /** The last id queued; {@code null} until a client without a cursor got its {@code ready}. */
    private EventId cursor;

    private long closeRetryMillis = -1;

    private volatile boolean closed;

    /** Set when the stream ends because its authentication did: the browser is told with {@code auth-expired}. */
    private volatile String authEnded;

    /** Told after something is queued and after the stream closes; {@code null} for a writer that polls. */
    private volatile Runnable changed;

    /**
     * @param user whose stream this is, for the logs
     * @param cursor the client's cursor, or {@code null} for none
     * @param capacity the outbox's bound ({@code hub.outbox-size}), and that of the pending list
     */
    StreamQueue(String user, EventId cursor, int capacity, HubMetrics metrics) {
        this.user = user;
        this.cursor = cursor;
        this.capacity = capacity;
        this.metrics = metrics;
        this.outbox = new LinkedBlockingQueue<>(capacity);
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Has {@code changed} run after every offer to the outbox and after the stream closes, on the thread that did it
     * (the engine's I/O thread, the catch-up thread, any closer), outside the queue's lock: it must not block.
     * {@code null} stops it.
     */
    void onChange(Runnable changed) {
        this.changed = changed;
    }

    private void changed() {
        Runnable listener = changed;
        if (listener != null) {
            listener.run();
        }
    }

    /** Closes the stream; the browser is told to reconnect in {@code retryMillis} (-1: its usual delay). Idempotent. */
    void close(long retryMillis) {
        if (markClosed(retryMillis)) {
            closed();
        }
    }

    /** @return false when it was closed already */
    private boolean markClosed(long retryMillis) {
        synchronized (lock) {
            if (state == State.CLOSED) {
                return false;
            }
            state = State.CLOSED;
            pending = List.of();
            closeRetryMillis = retryMillis;
            return true;
        }
    }

    /** What follows the state's change to closed, outside the lock. */
    private void closed() {
        closed = true;
        outbox.clear();
        outbox.offer(WAKE);
        changed();
    }

    /** Closes the stream because its authentication ended, for {@code reason}. Idempotent. */
    void endAuthentication(String reason) {
        authEnded = reason;
        close(-1);
    }

    /** Why the stream's authentication ended, or {@code null}. */
    String authEnded() {
        return authEnded;
    }

    /** The {@code retry:} the closing asked for, or -1. */
    long closeRetryMillis() {
        synchronized (lock) {
            return closeRetryMillis;
        }
    }

    // ---- live path: engine I/O thread, never blocks

    void offerLive(HubEvent entry) {
        switch (queueLive(entry)) {
            case QUEUED -> changed();
            case FULL -> {
                log.info("Closing a stream of user {}: its outbox of {} events is full (slow client); it will resume",
                        user, capacity);
                metrics.slowDisconnects.increment();
                closed();
            }
            case HELD -> { }
        }
    }

    /**
     * What became of a live entry: queued, held (pending, or nothing to queue), or refused by a full outbox (the stream
     * is then marked closed).
     */
    private enum Offer { QUEUED, HELD, FULL }

    private Offer queueLive(HubEvent entry) {
        synchronized (lock) {
            switch (state) {
                case CLOSED -> {
                    return Offer.HELD;
                }
                case CATCHING_UP -> {
                    if (pending.size() < capacity) {
                        pending.add(entry);
                    }
                    else {
                        pendingOverflow = true;
                    }
                    return Offer.HELD;
                }
                case LIVE -> {
                    if (!entry.id().isAfter(cursor)) {
                        return Offer.HELD;
                    }
                    if (!outbox.offer(new Queued(entry, true, true))) {
                        // Closed under the lock: no later entry may be queued past the one dropped here.
                        return markClosed(-1) ? Offer.FULL : Offer.HELD;
                    }
                    cursor = entry.id();
                    return Offer.QUEUED;
                }
                default -> throw new IllegalStateException(state.toString());
            }
        }
    }

    /** Live delivery may have gaps from now on: wait in the pending list until a catch-up runs. */
    void pauseLive() {
        synchronized (lock) {
            if (state == State.LIVE) {
                state = State.CATCHING_UP;
                pending = new ArrayList<>();
            }
        }
    }

    /**
     * Closes a stream whose client does not read: nothing more is queued for it, and its outbox is freed. Its writer
     * is most likely blocked in a write that the client's full receive window holds up; the transport fails that
     * write at its write timeout, and the connection is gone.
     */
    private void disconnectSlow() {
        metrics.slowDisconnects.increment();
        close(-1);
    }

    // ---- catch-up: the catch-up thread

    /**
     * Stops live delivery until the next {@link #tryGoLive}: a catch-up is about to read.
     *
     * @return false when the stream is closed (nothing to read for)
     */
    boolean catchUp() {
        synchronized (lock) {
            if (state == State.CLOSED) {
                return false;
            }
            if (state == State.LIVE) {
                state = State.CATCHING_UP;
                pending = new ArrayList<>();
            }
            return true;
        }
    }

    EventId cursor() {
        synchronized (lock) {
            return cursor;
        }
    }

    /**
     * Queues a catch-up event, sent with its id or not, waiting up to {@code waitMillis} for the writer when the
     * outbox is full (then the client is too slow, and the stream closes). The cursor moves to its id either way: the
     * whole catch-up is queued before anything live is, and a client that loses the connection resumes from the last
     * id it was sent.
     *
     * @throws Closed when the stream is closed, or closes meanwhile
     */
    void enqueue(HubEvent entry, boolean withId, long waitMillis) {
        try {
            if (closed || !outbox.offer(new Queued(entry, false, withId), waitMillis, TimeUnit.MILLISECONDS)) {
                if (!closed) {
                    disconnectSlow();
                }
                throw new Closed();
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new Closed();
        }
        synchronized (lock) {
            cursor = entry.id();
        }
        changed();
    }

    /**
     * Goes live if live delivery was whole during the read that just ended: the pending entries after the cursor are
     * queued, and live entries go straight to the outbox from now on. Otherwise the caller reads again.
     *
     * @param epoch {@link LiveDelivery#epoch()} before the read
     * @return true when done (live, closed, or waiting for live delivery to be restored)
     */
    boolean tryGoLive(long epoch, LiveDelivery live) {
        boolean queued;
        synchronized (lock) {
            if (state == State.CLOSED) {
                return true;
            }
            if (pendingOverflow || outbox.remainingCapacity() < pending.size()) {
                // What was dropped, or does not fit now, is in the stream: read it again, waiting for the writer.
                pending = new ArrayList<>();
                pendingOverflow = false;
                return false;
            }
            if (live.isDown()) {
                return true;
            }
            if (live.epoch() != epoch) {
                return false;
            }
            queued = false;
            for (HubEvent entry : pending) {
                if (entry.id().isAfter(cursor)) {
                    outbox.offer(new Queued(entry, true, true));
                    cursor = entry.id();
                    queued = true;
                }
            }
            pending = List.of();
            state = State.LIVE;
        }
        if (queued) {
            changed();
        }
        return true;
    }

    // ---- writer: the writer thread

    /** The next event, waiting up to {@code nanos}; {@code null} when none came. {@link #WAKE} after a close. */
    Queued poll(long nanos) throws InterruptedException {
        return outbox.poll(nanos, TimeUnit.NANOSECONDS);
    }

    /** The next event if one is queued, else {@code null}. */
    Queued poll() {
        return outbox.poll();
    }

    int size() {
        return outbox.size();
    }

    /** Unwinds a catch-up whose stream closed. */
    static final class Closed extends RuntimeException {

        Closed() {
            super(null, null, false, false);
        }
    }
}
