package dev.livehub.hub;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.livehub.hub.engine.Engine;
import dev.livehub.hub.engine.EngineListener;
import dev.livehub.hub.engine.StreamSlice;

/**
 * The hub of one node: publishes to per-user streams through its {@link Engine}, and serves this node's SSE
 * connections, each resumed from its cursor and then fed live.
 *
 * <p>Guarantee: a connection receives every entry of its user's stream after its cursor, once, in order; or, when the
 * stream no longer holds what follows the cursor, a {@code reset} event. A client without a cursor first gets a
 * {@code ready} event whose id is the stream's last id.
 *
 * <p>Thread-safe. {@link #close()} ends every stream and closes the engine.
 */
public final class Hub implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Hub.class);

    private final Engine engine;

    private final HubSettings settings;

    private final HubMetrics metrics;

    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("hub-", 0)
        .factory());

    private final Map<String, Local> local = new ConcurrentHashMap<>();

    private final AtomicInteger connections = new AtomicInteger();

    /** Streams opened and closed on this node since it started: see {@link #streamChanges()}. */
    private final AtomicLong streamChanges = new AtomicLong();

    /** Notified when the last open stream has ended, for {@link #close()}. */
    private final Object noConnections = new Object();

    /**
     * This node's streams by user and the tab that opened them ({@code ?tab=}, see {@link #tabKey}): a tab's new stream
     * replaces its old one.
     */
    private final Map<String, Connection> tabs = new ConcurrentHashMap<>();

    private final LiveDelivery live = new LiveDelivery();

    /** Who hears the messages of each topic that nodes send one another ({@link #broadcast}). */
    private final Map<String, List<Consumer<String>>> hearers = new ConcurrentHashMap<>();

    /** What every connection of this hub works with; built once the hub's own fields are. */
    private final ConnectionContext connectionContext;

    /** No new streams: draining, or shut down. */
    private volatile boolean closed;

    /** Shut down for good: the engine is closed. */
    private volatile boolean shutDown;

    public Hub(Engine engine, HubSettings settings, MeterRegistry registry) {
        this.engine = engine;
        this.settings = settings;
        this.metrics = new HubMetrics(registry, this);
        this.connectionContext = new ConnectionContext(engine, settings, metrics, threads, live, this::remove);
        engine.start(new Listener());
        // Any client may ask for a compacted catch-up: the fold is compiled before a storm needs it.
        Compaction.warmUpInBackground();
    }

    /**
     * Appends one entry to each user's stream; connected clients of those users, on any node, receive it.
     *
     * <p>The publication's publish id makes a retry safe: publishing it again appends it only to the users whose
     * stream does not hold it yet. Use {@code new Publication(event, data, publishId)} with an id of your own (an
     * outbox row's id, an order number) to be able to retry after a crash; {@link Publication#of} makes a random one.
     *
     * @return the entry id per user (for a repeated publish id, the entry appended the first time)
     * @throws IllegalArgumentException when a user id is invalid or none is given
     * @throws PublishConflictException when the publish id was used before with another event or data
     * @throws dev.livehub.hub.engine.EngineException when the store failed or refused for some user; retrying the
     *         same publication is safe
     */
    public Map<String, EventId> publish(Collection<String> users, Publication publication) {
        if (users == null || users.isEmpty()) {
            throw new IllegalArgumentException("name at least one user to publish to");
        }
        return publishAll(List.of(publication.to(users))).getFirst().orThrow();
    }

    /**
     * Appends many publications at once (a backend flushing its queue, a fan-out to many users), with as few calls to
     * the store as it allows, and says per publication and per user what became of it. Store failures do not throw:
     * they are refusals in the results ({@link Published.Reason}), and publishing the same publications again appends
     * only what is missing.
     *
     * @return one result per publication, in the order given
     */
    public List<Published> publishAll(List<Addressed> publications) {
        if (publications.isEmpty()) {
            return List.of();
        }
        return counted(engine.append(publications));
    }

    /**
     * {@link #publishAll} without holding the caller (an event loop): the stage completes with the same results once
     * the store has answered, on a thread of the engine's that must not block. It completes exceptionally only for a
     * fault of the hub's own, never for a store failure.
     */
    public CompletionStage<List<Published>> publishAllAsync(List<Addressed> publications) {
        if (publications.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        return engine.appendAsync(publications).thenApply(this::counted);
    }

    private List<Published> counted(List<Published> results) {
        int appended = 0;
        for (Published result : results) {
            appended += result.ids().size();
        }
        metrics.published.increment(appended);
        return results;
    }

    /**
     * Opens a stream for a user on this node. The writer runs on a virtual thread of its own until the stream ends;
     * the first bytes ({@code retry:} and a comment) are sent at once.
     *
     * @throws TooManyConnectionsException when the user already holds the maximum number of streams here
     */
    public Connection connect(String user, Cursor cursor, SseOutput output) {
        return connect(user, cursor, output, null);
    }

    /**
     * Opens a stream that ends with {@code auth-expired} at {@code authExpiry} (a subscriber token's expiry), or at
     * its usual lifetime if that comes first; {@code null} for no such bound.
     */
    public Connection connect(String user, Cursor cursor, SseOutput output, Instant authExpiry) {
        return connect(user, cursor, output, authExpiry, null);
    }

    /** A tab's key: tab ids hold no newline (the admission checks them), so the first one ends the tab. */
    private static String tabKey(String user, String tab) {
        return tab + '\n' + user;
    }

    /**
     * Opens a stream for one tab: a stream this tab opened before on this node for the same user ends first, so its
     * slot is free for this one. A page that navigates thus never counts against the per-user cap twice, whether or
     * not the old page's close has been noticed yet. Only the user's own: a tab id read from an access log must not
     * let another user end this user's stream. (A tab signed in as someone else before had its streams ended by the
     * sign-out.)
     *
     * @param tab the tab's random id, or {@code null}
     */
    public Connection connect(String user, Cursor cursor, SseOutput output, Instant authExpiry, String tab) {
        Publication.requireUserId(user);
        if (closed) {
            throw new IllegalStateException("the hub is shut down");
        }
        Connection connection = new Connection(connectionContext, user, cursor, output, authExpiry, tab);
        if (tab != null) {
            Connection previous = tabs.put(tabKey(user, tab), connection);
            if (previous != null) {
                log.debug("Stream of user {} replaced by a new stream of its tab", previous.user());
                previous.close();
                remove(previous);
            }
        }
        Local entry;
        try {
            entry = local.compute(user, (key, existing) -> {
                Local found = existing != null ? existing : new Local(engine.subscribe(key));
                if (found.connections.size() >= settings.maxConnectionsPerUser()) {
                    throw new TooManyConnectionsException(key, settings.maxConnectionsPerUser());
                }
                found.connections.add(connection);
                return found;
            });
        }
        catch (RuntimeException ex) {
            if (tab != null) {
                tabs.remove(tabKey(user, tab), connection);
            }
            throw ex;
        }
        connections.incrementAndGet();
        streamChanges.incrementAndGet();
        log.debug("Stream of user {} opened ({}); {} on this node", user, cursor, connections.get());
        try {
            connection.start();
        }
        catch (RuntimeException ex) {
            // Shut down meanwhile: the slot goes back at once, with no writer to give it back.
            connection.close();
            remove(connection);
            throw new IllegalStateException("the hub is shut down", ex);
        }
        entry.subscribed.whenComplete((ok, error) -> {
            if (error == null) {
                connection.requestCatchUp();
                return;
            }
            if (!closed) {
                log.warn("Subscribing this node to user {} failed ({}); closing the stream so it retries", user,
                        error.getMessage());
            }
            connection.close();
        });
        return connection;
    }

    /**
     * The polling fallback: the entries after the cursor (at most {@code limit}), with the same resume rules as a
     * stream. A poll without a cursor returns no entries and the stream's last id.
     */
    public Poll poll(String user, Cursor cursor, int limit) {
        Publication.requireUserId(user);
        if (cursor.isNone()) {
            return new Poll(List.of(), lastId(user), false);
        }
        EventId from = cursor.id().orElseThrow();
        StreamSlice slice = engine.read(user, from, limit + 1);
        Resume resume = Resume.check(from, slice);
        if (resume.isReset()) {
            metrics.resets.increment();
            return new Poll(List.of(), slice.lastId(), true);
        }
        List<HubEvent> events = resume.entries().size() > limit ? resume.entries().subList(0, limit)
                : resume.entries();
        return new Poll(events, events.isEmpty() ? from : events.getLast().id(), false);
    }

    /**
     * The id of the last entry of a user's stream ({@code 0-0} when it has none). A page that reads it before it reads
     * its data and hands it to its stream ({@code AppStream.start({ lastId })}) misses nothing published meanwhile.
     *
     * @throws dev.livehub.hub.engine.EngineException when the store fails
     */
    public EventId lastId(String user) {
        Publication.requireUserId(user);
        return engine.read(user, EventId.ZERO, 0).lastId();
    }

    /** The result of a poll: events after the cursor, the cursor to poll from next, and whether to reload. */
    public record Poll(List<HubEvent> events, EventId lastId, boolean reset) {
    }

    /**
     * Whether live delivery works: false from the moment the engine lost its live connection until every local user
     * is subscribed again (streams get nothing new meanwhile, then catch up).
     */
    public boolean isLive() {
        return !live.isDown();
    }

    /**
     * Tells every node of this hub's store, this one included, a short {@code message} on {@code topic} (a word
     * without a line break), at once and without waiting: each node's {@link #onBroadcast} hearers of the topic get
     * it. Best effort: a node cut from the store at that moment misses it, so a broadcast only hastens what the nodes
     * also learn another way. Nothing is sent by an engine of one node.
     */
    public void broadcast(String topic, String message) {
        if (topic.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a topic has no line break: " + topic);
        }
        try {
            engine.broadcast(topic + "\n" + message);
        }
        catch (RuntimeException ex) {
            log.warn("Broadcasting on {} failed ({}); the other nodes learn it at their next check", topic,
                    ex.getMessage());
        }
    }

    /** {@code hearer} gets every message sent on {@code topic} by any node; it runs on an I/O thread: never block. */
    public void onBroadcast(String topic, Consumer<String> hearer) {
        hearers.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(hearer);
    }

    /** Whether this node refuses new streams: it drains (SIGTERM) or is shut down. */
    public boolean isDraining() {
        return closed;
    }

    /**
     * Counts a stream or poll this node refused ({@code hub.streams.refused}, tagged with {@code reason}): every
     * transport calls it once per refusal, with the {@code error} code of the refusal's JSON body.
     */
    public void refused(String reason) {
        metrics.refused(reason);
    }

    /** Users with at least one open stream on this node. */
    public int userCount() {
        return local.size();
    }

    /** Open streams on this node. */
    public int connectionCount() {
        return connections.get();
    }

    /** Open streams of one user on this node. */
    public int connectionCount(String user) {
        Local entry = local.get(user);
        return entry == null ? 0 : entry.connections.size();
    }

    /**
     * How many streams opened or closed on this node since it started. Equal in two calls: whose streams are open here
     * may not have changed in between (what is counted from {@link #connections()} need not be counted again); the
     * count is bumped after a stream is added and after one is removed, so a count taken before reading
     * {@link #connections()} is never newer than what was read. Thread-safe.
     */
    public long streamChanges() {
        return streamChanges.get();
    }

    /** Every open stream on this node, a snapshot. */
    public List<Connection> connections() {
        List<Connection> all = new ArrayList<>();
        local.values().forEach(entry -> all.addAll(entry.connections));
        return all;
    }

    /**
     * Refuses new streams and ends the open ones, each told to reconnect within about half a second (to another node,
     * behind a load balancer).
     */
    public void endStreams() {
        closed = true;
        for (Connection connection : connections()) {
            connection.close(500);
        }
    }

    /**
     * Drains this node before it stops: refuses new streams at once (the endpoint answers 503, so a proxy moves on),
     * then ends the open streams one by one spread evenly over {@code window}, each told to reconnect within a second,
     * so browsers move to other nodes without a thundering herd. Blocks for about the window.
     */
    public void drain(Duration window) {
        closed = true;
        List<Connection> open = new ArrayList<>(connections());
        if (open.isEmpty()) {
            return;
        }
        log.info("Draining {} streams over {} ms", open.size(), window.toMillis());
        Collections.shuffle(open);
        long start = System.nanoTime();
        for (int i = 0; i < open.size(); i++) {
            long due = start + window.toNanos() * i / open.size();
            long wait = due - System.nanoTime();
            if (wait > 0) {
                try {
                    // Pacing the closes across the window, which is the point of a drain.
                    Thread.sleep(Duration.ofNanos(wait));
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            open.get(i).close(ThreadLocalRandom.current().nextLong(1000));
        }
        endStreams();
        log.info("Drained; {} streams left to finish", connectionCount());
    }

    /**
     * Accepts new streams again after {@link #drain} or {@link #endStreams} (an application context stopped and
     * started again, as the test framework does with the contexts it caches). A closed hub stays closed.
     */
    public void resume() {
        if (!shutDown) {
            closed = false;
        }
    }

    /**
     * Ends every stream, waits up to 5 s for their writers (on threads of their own or on event loops) and catch-ups,
     * then closes the engine.
     */
    @Override
    public void close() {
        shutDown = true;
        endStreams();
        threads.shutdown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            if (!threads.awaitTermination(5, TimeUnit.SECONDS) || !awaitNoConnections(deadline)) {
                log.warn("Some streams did not end within 5 s of shutdown");
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        engine.close();
    }

    /** Waits until every stream has ended (its writer gave its slot back), or {@code deadline} has passed. */
    private boolean awaitNoConnections(long deadline) throws InterruptedException {
        synchronized (noConnections) {
            while (connections.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(noConnections, left);
            }
            return true;
        }
    }

    void remove(Connection connection) {
        if (connection.tab() != null) {
            tabs.remove(tabKey(connection.user(), connection.tab()), connection);
        }
        local.computeIfPresent(connection.user(), (user, entry) -> {
            if (entry.connections.remove(connection)) {
                connections.decrementAndGet();
                streamChanges.incrementAndGet();
            }
            if (entry.connections.isEmpty()) {
                engine.unsubscribe(user);
                return null;
            }
            return entry;
        });
        if (connections.get() == 0) {
            synchronized (noConnections) {
                noConnections.notifyAll();
            }
        }
    }

    Engine engine() {
        return engine;
    }

    /** How this hub treats connections. */
    public HubSettings settings() {
        return settings;
    }

    HubMetrics metrics() {
        return metrics;
    }


    /** This node's streams of one user, and the subscription that feeds them. */
    private record Local(CompletionStage<Void> subscribed, List<Connection> connections) {

        Local(CompletionStage<Void> subscribed) {
            this(subscribed, new CopyOnWriteArrayList<>());
        }
    }

    private final class Listener implements EngineListener {

        @Override
        public void onEntry(String user, HubEvent entry) {
            Local entryOf = local.get(user);
            if (entryOf != null) {
                for (Connection connection : entryOf.connections) {
                    connection.offerLive(entry);
                }
            }
        }

        @Override
        public void onBroadcast(String message) {
            int end = message.indexOf('\n');
            List<Consumer<String>> topic = end < 0 ? null : hearers.get(message.substring(0, end));
            if (topic == null) {
                return;
            }
            for (Consumer<String> hearer : topic) {
                try {
                    hearer.accept(message.substring(end + 1));
                }
                catch (RuntimeException ex) {
                    log.warn("A broadcast hearer failed: {}", ex.toString());
                }
            }
        }

        @Override
        public void onLiveLost() {
            live.lost();
            local.values().forEach(entry -> entry.connections.forEach(Connection::pauseLive));
        }

        @Override
        public void onLiveRestored() {
            live.restored();
            local.values().forEach(entry -> entry.connections.forEach(Connection::requestCatchUp));
        }
    }
}
