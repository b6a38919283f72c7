package dev.livehub.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.livehub.hub.engine.EngineException;
import dev.livehub.hub.engine.StreamSlice;

/**
 * One open stream of one user on this node: a bounded outbox and the writer that empties it.
 *
 * <p>A connection is either catching up (reading its stream from its cursor, while live entries wait in a pending
 * list) or live (live entries go straight to the outbox). Every entry goes through one cursor, the last id queued,
 * and nothing at or below it is queued again: that is how catch-up and live meet with no gap and no duplicate.
 *
 * <p>Live entries are offered without blocking, from the engine's I/O thread; when the outbox is full the connection
 * is closed and the browser resumes from its cursor, so a slow client never slows the others. Catch-up and the writer
 * run on virtual threads of their own.
 */
public final class Connection {

    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    private enum State { CATCHING_UP, LIVE, CLOSED }

    /** An event to send; {@code withId} false for a folded event that is no position to resume from. */
    private record Queued(HubEvent event, boolean live, boolean withId) {
    }

    private static final Queued WAKE = new Queued(null, false, false);

    private final ConnectionContext context;

    private final String user;

    private final SseOutput output;

    private final LinkedBlockingQueue<Queued> outbox;

    private final Object lock = new Object();

    private State state = State.CATCHING_UP;

    private List<HubEvent> pending = new ArrayList<>();

    private boolean pendingOverflow;

    /** The last id queued; {@code null} until a client without a cursor got its {@code ready}. */
    private EventId cursor;

    private boolean catchUpRunning;

    /** Whether this stream's lag on connect went to the catch-up meters; only the catch-up thread touches it. */
    private boolean lagRecorded;

    private boolean catchUpAgain;

    private long closeRetryMillis = -1;

    private volatile boolean closed;

    /** The client asked for a long backlog to be compacted. */
    private final boolean compact;

    /** When the user's authentication ends (a token's expiry), or {@code null}: the stream ends then. */
    private final Instant authExpiry;

    /** Set when the stream ends because its authentication did: the browser is told with {@code auth-expired}. */
    private volatile String authEnded;

    /** The tab that opened the stream, or {@code null}. */
    private final String tab;

    Connection(ConnectionContext context, String user, Cursor cursor, SseOutput output, Instant authExpiry,
            String tab) {
        this.context = context;
        this.tab = tab;
        this.user = user;
        this.output = output;
        this.authExpiry = authExpiry;
        this.cursor = cursor.id().orElse(null);
        this.compact = cursor.compact();
        this.outbox = new LinkedBlockingQueue<>(context.settings().outboxSize());
    }

    public String user() {
        return user;
    }

    String tab() {
        return tab;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Ends the stream; the browser reconnects after its usual {@code retry:} delay. Idempotent. */
    public void close() {
        close(-1);
    }

    /**
     * Ends the stream after telling the browser to reconnect in about {@code retryMillis} (used when the hub itself
     * ends streams: lifetime, shutdown). Idempotent.
     */
    public void close(long retryMillis) {
        synchronized (lock) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            pending = List.of();
            closeRetryMillis = retryMillis;
        }
        closed = true;
        outbox.clear();
        outbox.offer(WAKE);
    }

    /**
     * Ends the stream because the user's authentication ended (session expired or deleted, signed out, token
     * expired): the browser gets {@code event: auth-expired} with {@code {"reason":..}} and should not reconnect
     * before it signs in (or fetches a token) again. Idempotent.
     */
    public void endAuthentication(String reason) {
        authEnded = reason;
        close();
    }

    // ---- live path: engine I/O thread, never blocks

    void offerLive(HubEvent entry) {
        synchronized (lock) {
            switch (state) {
                case CLOSED -> { }
                case CATCHING_UP -> {
                    if (pending.size() < context.settings().outboxSize()) {
                        pending.add(entry);
                    }
                    else {
                        pendingOverflow = true;
                    }
                }
                case LIVE -> {
                    if (entry.id().isAfter(cursor)) {
                        if (!outbox.offer(new Queued(entry, true, true))) {
                            slowConsumer();
                            return;
                        }
                        cursor = entry.id();
                    }
                }
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

    private void slowConsumer() {
        log.info("Closing a stream of user {}: its outbox of {} events is full (slow client); it will resume",
                user, context.settings().outboxSize());
        disconnectSlow();
    }

    /**
     * Closes a connection whose client does not read: nothing more is queued for it, and its outbox is freed. Its
     * writer is most likely blocked in a write that the client's full receive window holds up; the servlet container
     * fails that write at its write timeout ({@code server.tomcat.connection-timeout}), and the connection is gone.
     */
    private void disconnectSlow() {
        context.metrics().slowDisconnects.increment();
        close();
    }

    // ---- catch-up: virtual thread, one at a time per connection

    /** Reads the stream from the cursor, then goes live. Coalesces requests that come while one runs. */
    void requestCatchUp() {
        synchronized (lock) {
            if (state == State.CLOSED) {
                return;
            }
            if (state == State.LIVE) {
                state = State.CATCHING_UP;
                pending = new ArrayList<>();
            }
            if (catchUpRunning) {
                catchUpAgain = true;
                return;
            }
            catchUpRunning = true;
        }
        context.threads().execute(this::runCatchUps);
    }

    private void runCatchUps() {
        long backoffMillis = 250;
        while (true) {
            try {
                catchUpOnce();
                backoffMillis = 250;
            }
            catch (EngineException ex) {
                log.warn("Catch-up of a stream of user {} failed, retrying in {} ms: {}", user, backoffMillis,
                        ex.getMessage());
                // Backoff between attempts against a store that is down, not synchronisation.
                if (!pause(backoffMillis)) {
                    return;
                }
                backoffMillis = Math.min(backoffMillis * 2, 5000);
                synchronized (lock) {
                    catchUpAgain = true;
                }
            }
            catch (ClosedWhileQueueing ex) {
                return;
            }
            catch (RuntimeException ex) {
                log.error("Catch-up of a stream of user {} failed; closing the stream so the client resumes", user, ex);
                close();
                return;
            }
            synchronized (lock) {
                if (state == State.CLOSED || !catchUpAgain) {
                    catchUpRunning = false;
                    return;
                }
                catchUpAgain = false;
            }
        }
    }

    private void catchUpOnce() {
        int page = context.settings().catchUpPage();
        while (true) {
            if (context.live().isDown()) {
                return;
            }
            long epoch = context.live().epoch();
            EventId from = currentCursor();
            if (from == null) {
                StreamSlice slice = context.engine().read(user, EventId.ZERO, 0);
                enqueue(new HubEvent(slice.lastId(), "ready", "{\"last_id\":\"" + slice.lastId() + "\"}"));
            }
            else {
                // Compacting needs the whole backlog first (a stream holds at most hub.stream.max-entries).
                List<HubEvent> backlog = compact ? new ArrayList<>() : null;
                long backlogBytes = 0;
                EventId cursor = from;
                int behind = 0;
                while (true) {
                    StreamSlice slice = context.engine().read(user, from, page + 1);
                    Resume resume = Resume.check(from, slice);
                    behind += resume.isReset() ? 0 : resume.entries().size();
                    if (!lagRecorded && (resume.isReset() || resume.entries().isEmpty()
                            || resume.entries().getLast().id().equals(slice.lastId()))) {
                        // The first catch-up of this stream, at its end: how far behind the cursor was on connect.
                        lagRecorded = true;
                        context.metrics().recordCatchUp(behind, cursor, slice.lastId());
                    }
                    if (resume.isReset()) {
                        context.metrics().resets.increment();
                        log.info("Stream of user {} resumed from {} gets reset ({}); stream is at {}", user, from,
                                resume.resetReason(), slice.lastId());
                        backlog = null;
                        enqueue(new HubEvent(slice.lastId(), "reset", "{\"reason\":\"" + resume.resetReason()
                                + "\",\"last_id\":\"" + slice.lastId() + "\"}"));
                        break;
                    }
                    if (backlog != null) {
                        backlog.addAll(resume.entries());
                        for (HubEvent entry : resume.entries()) {
                            backlogBytes += entry.event().length() + entry.data().length();
                        }
                        if (backlogBytes >= Compaction.MAX_BACKLOG_BYTES) {
                            // A backlog of large events is folded in parts, so one catch-up never holds more.
                            enqueueBacklog(backlog);
                            backlog = new ArrayList<>();
                            backlogBytes = 0;
                        }
                    }
                    else {
                        resume.entries().forEach(this::enqueue);
                    }
                    // A read ends at the page, or earlier at its byte bound (Engine.READ_BYTES): done at the end.
                    if (resume.entries().isEmpty() || resume.entries().getLast().id().equals(slice.lastId())) {
                        break;
                    }
                    from = backlog != null && !backlog.isEmpty() ? backlog.getLast().id() : currentCursor();
                }
                if (backlog != null && !backlog.isEmpty()) {
                    enqueueBacklog(backlog);
                }
            }
            if (tryGoLive(epoch)) {
                log.debug("Stream of user {} caught up to {}", user, currentCursor());
                return;
            }
        }
    }

    /** Queues a backlog read for a client that asked for compaction: folded when it is long enough. */
    private void enqueueBacklog(List<HubEvent> backlog) {
        if (backlog.size() <= context.settings().compactAbove()) {
            backlog.forEach(this::enqueue);
            return;
        }
        List<Compaction.Folded> folded = Compaction.fold(backlog);
        // The closing 'compacted' event is not an entry: it only carries the backlog's last id.
        context.metrics().compactedEntries.increment(backlog.size() - (folded.size() - 1));
        log.debug("Stream of user {}: backlog of {} entries compacted to {} events", user, backlog.size(),
                folded.size() - 1);
        folded.forEach(event -> enqueue(event.event(), event.resumable()));
    }

    /** Queues a catch-up entry, waiting for the writer when the outbox is full. */
    private void enqueue(HubEvent entry) {
        enqueue(entry, true);
    }

    /**
     * Queues a catch-up event, sent with its id or not. This connection's own cursor moves to its id either way: the
     * whole catch-up is queued before anything live is, and a client that loses the connection resumes from the last
     * id it was sent.
     */
    private void enqueue(HubEvent entry, boolean withId) {
        try {
            long waitMillis = 2 * context.settings().heartbeat().toMillis();
            if (closed || !outbox.offer(new Queued(entry, false, withId), waitMillis, TimeUnit.MILLISECONDS)) {
                if (!closed) {
                    disconnectSlow();
                }
                throw new ClosedWhileQueueing();
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new ClosedWhileQueueing();
        }
        synchronized (lock) {
            cursor = entry.id();
        }
    }

    /**
     * Goes live if live delivery was whole during the read that just ended; otherwise the caller reads again.
     *
     * @return true when done (live, closed, or waiting for live delivery to be restored)
     */
    private boolean tryGoLive(long epoch) {
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
            if (context.live().isDown()) {
                return true;
            }
            if (context.live().epoch() != epoch) {
                return false;
            }
            for (HubEvent entry : pending) {
                if (entry.id().isAfter(cursor)) {
                    outbox.offer(new Queued(entry, true, true));
                    cursor = entry.id();
                }
            }
            pending = List.of();
            state = State.LIVE;
            return true;
        }
    }

    private EventId currentCursor() {
        synchronized (lock) {
            return cursor;
        }
    }

    private boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return !closed;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---- writer: virtual thread

    void pump() {
        try {
            write();
        }
        finally {
            output.close();
            context.onEnd().accept(this);
        }
    }

    private void write() {
        HubSettings settings = context.settings();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long retry = settings.retry().toMillis() + random.nextLong(settings.retry().toMillis() / 5 + 1);
        StringBuilder frames = new StringBuilder(256);
        try {
            long lifetime = settings.streamLifetime().toNanos();
            long untilEnd = lifetime - random.nextLong(lifetime / 10 + 1);
            // Compared as durations: a token valid for centuries must not overflow nanoseconds.
            Duration untilExpiry = authExpiry == null ? null : Duration.between(Instant.now(), authExpiry);
            boolean authEndsFirst = untilExpiry != null && untilExpiry.compareTo(Duration.ofNanos(untilEnd)) < 0;
            if (authEndsFirst) {
                untilEnd = Math.max(0, untilExpiry.toNanos());
            }
            long deadline = System.nanoTime() + untilEnd;
            output.send(SseFrames.preamble(retry));
            long heartbeat = settings.heartbeat().toNanos();
            long nextPing = System.nanoTime() + heartbeat;
            while (!closed) {
                long now = System.nanoTime();
                Queued next = outbox.poll(Math.max(0, Math.min(nextPing, deadline) - now), TimeUnit.NANOSECONDS);
                if (closed) {
                    break;
                }
                frames.setLength(0);
                int events = 0;
                if (next == null && System.nanoTime() - nextPing >= 0) {
                    SseFrames.appendComment(frames, "ping");
                }
                if (next != null) {
                    context.metrics().outboxDepth.record(outbox.size() + 1);
                }
                // Write what is already queued in one flush, up to a bound so one write stays small.
                while (next != null) {
                    if (next != WAKE) {
                        SseFrames.appendEvent(frames, next.event(), next.withId());
                        if (next.live()) {
                            context.metrics().recordLatency(next.event().id());
                        }
                        events++;
                    }
                    next = events < 64 ? outbox.poll() : null;
                }
                if (!frames.isEmpty()) {
                    output.send(frames.toString().getBytes(StandardCharsets.UTF_8));
                    context.metrics().delivered.increment(events);
                    nextPing = System.nanoTime() + heartbeat;
                }
                if (System.nanoTime() - deadline >= 0) {
                    if (authEndsFirst) {
                        endAuthentication("expired");
                    }
                    else {
                        close(random.nextLong(1000));
                    }
                }
            }
            long finalRetry;
            synchronized (lock) {
                finalRetry = closeRetryMillis;
            }
            frames.setLength(0);
            if (authEnded != null) {
                SseFrames.appendSignal(frames, "auth-expired", "{\"reason\":\"" + authEnded + "\"}");
            }
            if (finalRetry >= 0) {
                SseFrames.appendRetry(frames, finalRetry);
            }
            if (!frames.isEmpty()) {
                output.send(frames.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        catch (IOException ex) {
            if (ex instanceof SseOutput.DeadPeer) {
                context.metrics().deadPeers.increment();
            }
            log.debug("Stream of user {} ended by the client: {}", user, ex.getMessage());
            close();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            close();
        }
        catch (RuntimeException ex) {
            log.warn("Stream of user {} failed", user, ex);
            close();
        }
    }

    /** Unwinds a catch-up whose connection closed. */
    private static final class ClosedWhileQueueing extends RuntimeException {

        ClosedWhileQueueing() {
            super(null, null, false, false);
        }
    }
}
