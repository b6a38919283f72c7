package dev.livehub.hub;

import java.time.Instant;

/**
 * One open stream of one user on this node: a bounded outbox and the writer that empties it.
 *
 * <p>A connection is either catching up (reading its stream from its cursor, while live entries wait in a pending
 * list) or live (live entries go straight to the outbox). Every entry goes through one cursor, the last id queued,
 * and nothing at or below it is queued again: that is how catch-up and live meet with no gap and no duplicate.
 *
 * <p>Live entries are offered without blocking, from the engine's I/O thread; when the outbox is full the connection
 * is closed and the browser resumes from its cursor, so a slow client never slows the others. Catch-up runs on a
 * virtual thread of its own; so does the writer of a blocking output, while the writer of an {@link EventLoopOutput}
 * runs as tasks on the output's event loop. The methods of this class are thread-safe.
 *
 * <p>Its parts: a {@link StreamQueue} (the catch-up/live state machine and the outbox), a {@link CatchUpReader} that
 * fills it from the engine, and a writer that empties it into the response ({@link StreamWriter} or
 * {@link EventLoopStreamWriter}, both following a {@link StreamPlan}). None of them knows the {@link Hub}: when the
 * stream has ended, the writer calls the on-end callback it was built with.
 */
public final class Connection {

    private final String user;

    /** The tab that opened the stream, or {@code null}. */
    private final String tab;

    private final StreamQueue queue;

    private final HubMetrics metrics;

    private final CatchUpReader catchUp;

    /** Starts the writer: on a thread of its own, or on the output's event loop. */
    private final Runnable startWriter;

    Connection(ConnectionContext context, String user, Cursor cursor, SseOutput output, Instant authExpiry,
            String tab) {
        this.user = user;
        this.tab = tab;
        HubSettings settings = context.settings();
        this.metrics = context.metrics();
        this.queue = new StreamQueue(user, cursor.id().orElse(null), settings.outboxSize(), context.metrics());
        this.catchUp = new CatchUpReader(user, cursor.compact(), queue, context.engine(), settings, context.metrics(),
                context.threads(), context.live());
        Runnable onEnd = () -> context.onEnd().accept(this);
        if (output instanceof EventLoopOutput loop) {
            EventLoopStreamWriter writer = new EventLoopStreamWriter(user, loop, queue, settings, context.metrics(),
                    authExpiry, onEnd);
            this.startWriter = writer::start;
        }
        else {
            StreamWriter writer = new StreamWriter(user, output, queue, settings, context.metrics(), authExpiry, onEnd);
            this.startWriter = () -> context.threads().execute(writer);
        }
    }

    public String user() {
        return user;
    }

    String tab() {
        return tab;
    }

    public boolean isClosed() {
        return queue.isClosed();
    }

    /** Ends the stream; the browser reconnects after its usual {@code retry:} delay. Idempotent. */
    public void close() {
        queue.close(-1);
    }

    /**
     * Ends the stream because its peer is gone without closing (the kernel gave up on data it never acknowledged,
     * {@code TCP_USER_TIMEOUT}), counted as {@code hub.streams.dead.peers} if the stream was still open. Idempotent.
     */
    public void closeDeadPeer() {
        // Counted before the close: the writer may end the stream, and give its slot back, within close itself.
        if (!queue.isClosed()) {
            metrics.deadPeers.increment();
        }
        queue.close(-1);
    }

    /**
     * Ends the stream after telling the browser to reconnect in about {@code retryMillis} (used when the hub itself
     * ends streams: lifetime, shutdown). Idempotent.
     */
    public void close(long retryMillis) {
        queue.close(retryMillis);
    }

    /**
     * Ends the stream because the user's authentication ended (session expired or deleted, signed out, token
     * expired): the browser gets {@code event: auth-expired} with {@code {"reason":..}} and should not reconnect
     * before it signs in (or fetches a token) again. Idempotent.
     */
    public void endAuthentication(String reason) {
        queue.endAuthentication(reason);
    }

    /** A live entry of this connection's user, from the engine's I/O thread; never blocks. */
    void offerLive(HubEvent entry) {
        queue.offerLive(entry);
    }

    /** Live delivery may have gaps from now on: live entries wait until a catch-up runs. */
    void pauseLive() {
        queue.pauseLive();
    }

    /** Reads the stream from the cursor, then goes live. Coalesces requests that come while one runs. */
    void requestCatchUp() {
        catchUp.request();
    }

    /**
     * Starts the writer, which runs until the stream ends, then gives the stream's slot back.
     *
     * @throws java.util.concurrent.RejectedExecutionException when its threads or its event loop are shut down
     */
    void start() {
        startWriter.run();
    }
}
