package dev.livehub.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.livehub.hub.engine.Engine;
import dev.livehub.hub.engine.EngineException;
import dev.livehub.hub.engine.StreamSlice;

/**
 * Reads one stream's user stream from its cursor into its {@link StreamQueue}, then lets it go live: a {@code ready}
 * for a client without a cursor, a {@code reset} for a cursor the stream cannot resume from, a compacted backlog for a
 * client that asked for one, else the entries after the cursor, page by page.
 *
 * <p>Thread-safety: {@link #request()} may be called from any thread, any number of times; at most one catch-up runs
 * at a time per stream, on a thread of the executor, and requests that come while one runs make it read once more. A
 * store that fails is retried with a backoff (250 ms up to 5 s) until the stream closes.
 */
final class CatchUpReader {

    private static final Logger log = LoggerFactory.getLogger(CatchUpReader.class);

    private final String user;

    /** The client asked for a long backlog to be compacted. */
    private final boolean compact;

    private final StreamQueue queue;

    private final Engine engine;

    private final HubSettings settings;

    private final HubMetrics metrics;

    private final Executor threads;

    private final LiveDelivery live;

    private final Object lock = new Object();

    private boolean running;

    private boolean again;

    /** Whether this stream's lag on connect went to the catch-up meters; only the catch-up thread touches it. */
    private boolean lagRecorded;

    CatchUpReader(String user, boolean compact, StreamQueue queue, Engine engine, HubSettings settings,
            HubMetrics metrics, Executor threads, LiveDelivery live) {
        this.user = user;
        this.compact = compact;
        this.queue = queue;
        this.engine = engine;
        this.settings = settings;
        this.metrics = metrics;
        this.threads = threads;
        this.live = live;
    }

    /** Reads the stream from the cursor, then goes live. Coalesces requests that come while one runs. */
    void request() {
        if (!queue.catchUp()) {
            return;
        }
        synchronized (lock) {
            if (running) {
                again = true;
                return;
            }
            running = true;
        }
        threads.execute(this::run);
    }

    private void run() {
        long backoffMillis = 250;
        while (true) {
            try {
                readOnce();
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
                    again = true;
                }
            }
            catch (StreamQueue.Closed ex) {
                return;
            }
            catch (RuntimeException ex) {
                log.error("Catch-up of a stream of user {} failed; closing the stream so the client resumes", user, ex);
                queue.close(-1);
                return;
            }
            synchronized (lock) {
                if (queue.isClosed() || !again) {
                    running = false;
                    return;
                }
                again = false;
            }
        }
    }

    private void readOnce() {
        int page = settings.catchUpPage();
        while (true) {
            if (live.isDown()) {
                return;
            }
            long epoch = live.epoch();
            EventId from = queue.cursor();
            if (from == null) {
                StreamSlice slice = engine.read(user, EventId.ZERO, 0);
                enqueue(new HubEvent(slice.lastId(), "ready", "{\"last_id\":\"" + slice.lastId() + "\"}"));
            }
            else {
                readAfter(from, page);
            }
            if (queue.tryGoLive(epoch, live)) {
                log.debug("Stream of user {} caught up to {}", user, queue.cursor());
                return;
            }
        }
    }

    /** Queues the entries after {@code from} up to the stream's last id, or a {@code reset}. */
    private void readAfter(EventId from, int page) {
        // Compacting needs the whole backlog first (a stream holds at most hub.stream.max-entries).
        List<HubEvent> backlog = compact ? new ArrayList<>() : null;
        long backlogBytes = 0;
        EventId cursor = from;
        int behind = 0;
        while (true) {
            StreamSlice slice = engine.read(user, from, page + 1);
            Resume resume = Resume.check(from, slice);
            behind += resume.isReset() ? 0 : resume.entries().size();
            if (!lagRecorded && (resume.isReset() || resume.entries().isEmpty()
                    || resume.entries().getLast().id().equals(slice.lastId()))) {
                // The first catch-up of this stream, at its end: how far behind the cursor was on connect.
                lagRecorded = true;
                metrics.recordCatchUp(behind, cursor, slice.lastId());
            }
            if (resume.isReset()) {
                metrics.resets.increment();
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
            from = backlog != null && !backlog.isEmpty() ? backlog.getLast().id() : queue.cursor();
        }
        if (backlog != null && !backlog.isEmpty()) {
            enqueueBacklog(backlog);
        }
    }

    /** Queues a backlog read for a client that asked for compaction: folded when it is long enough. */
    private void enqueueBacklog(List<HubEvent> backlog) {
        if (backlog.size() <= settings.compactAbove()) {
            backlog.forEach(this::enqueue);
            return;
        }
        List<Compaction.Folded> folded = Compaction.fold(backlog);
        // The closing 'compacted' event is not an entry: it only carries the backlog's last id.
        metrics.compactedEntries.increment(backlog.size() - (folded.size() - 1));
        log.debug("Stream of user {}: backlog of {} entries compacted to {} events", user, backlog.size(),
                folded.size() - 1);
        folded.forEach(event -> enqueue(event.event(), event.resumable()));
    }

    private void enqueue(HubEvent entry) {
        enqueue(entry, true);
    }

    /** Queues, waiting for the writer for up to two heartbeats before the client counts as too slow. */
    private void enqueue(HubEvent entry, boolean withId) {
        queue.enqueue(entry, withId, 2 * settings.heartbeat().toMillis());
    }

    private boolean pause(long millis) {
        try {
            Thread.sleep(millis);
            return !queue.isClosed();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
