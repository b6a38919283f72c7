package dev.livehub.hub.engine;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.Transports;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.netty.channel.EventLoopGroup;
import reactor.core.Disposable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.livehub.hub.Addressed;
import dev.livehub.hub.EventId;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.Published;

/**
 * The engine for many nodes: one Redis stream per user, appended by {@code append.lua}, and a sharded pub/sub
 * doorbell per user that carries each new entry. A node holds a fixed number of Redis connections whatever its number
 * of browsers (on a Redis Cluster, that many per shard it talks to): one for commands (publishing), a few for catch-up
 * reads ({@link RedisLink#READERS}), so a backlog never delays a publish, and one for pub/sub, on which it
 * {@code SSUBSCRIBE}s to the bell of each locally connected user.
 *
 * <p>When a connection drops, the listener hears {@link EngineListener#onLiveLost()}; the engine then subscribes every
 * bell again (on a cluster, where each slot lives now) until Redis acknowledges them all, and reports
 * {@link EngineListener#onLiveRestored()}, so the hub re-reads every stream from its cursors. Messages are never
 * written to a client from here: the listener only queues them.
 */
public final class RedisEngine implements Engine {

    private static final Logger log = LoggerFactory.getLogger(RedisEngine.class);

    private final Function<RedisLink.Events, RedisLink> connect;

    private final RedisKeys keys;

    private final StreamSettings settings;

    private final Duration timeout;

    /**
     * Catch-up reads in flight at once, over all {@link RedisLink#READERS} connections. Without a bound, 5,000 clients
     * reconnecting at once put 5,000 reads on two connections; the last ones timed out, were retried while Redis still
     * ran the first tries, and the catch-up took 78 s instead of 13 (issue 17). A read waits here instead, where
     * waiting costs a parked virtual thread. Fair, so reads are served in the order they came.
     *
     * <p>Why 128 a connection, not a few: in a storm the round trip of a read is this process's time, not Redis's.
     * With 16 a connection, 5,000 token streams back at once with 10 events each (loadtest {@code storm}), a read's
     * round trip was 100-160 ms while the streams were still opening (event loops and carrier threads shared with 5,000
     * accepts on two cores) against 3 ms after, Redis's main thread at 4-12 % of a core all along: reads came 64 per
     * 100 ms, a stream waited 0.47 s (median) for its turn, and the last caught up 0.5-0.8 s after the last connected.
     * With 128: 0.11 and 0.23 s after, in two runs. 256 reads of a 100-entry backlog are about 50 ms of Redis's time,
     * far below the command timeout.
     */
    static final int READS_IN_FLIGHT = 128 * RedisLink.READERS;

    private final Semaphore reads = new Semaphore(READS_IN_FLIGHT, true);

    /** {@code SSUBSCRIBE}s sent for one bell before its subscription counts as failed: see {@link #subscribe}. */
    static final int SUBSCRIBE_TRIES = 3;

    /**
     * The client resources {@link #clientResources()} made. An engine that owns its client shuts down the client's
     * resources only when they are among these: an application's (Spring Boot's {@code ClientResources} bean, shared
     * with its own connections) keep running.
     */
    private static final Set<ClientResources> MADE_RESOURCES = Collections
        .synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    private final Set<String> subscribed = ConcurrentHashMap.newKeySet();

    private final ScheduledExecutorService restorer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("hub-redis-restore").factory());

    /** Guards {@code losses}, {@code restoring} and {@code liveLostSince}'s writes: drops and restores in order. */
    private final Object restoreLock = new Object();

    private long losses;

    private boolean restoring;

    /**
     * When live delivery was lost ({@link System#nanoTime()}), or 0 while it is whole; written under the restore lock,
     * read without it by {@link #unreachable()}.
     */
    private volatile long liveLostSince;

    /**
     * How long Redis may be away before a publish is refused at once instead of waiting in Lettuce's queue: a restart
     * of Redis (about a second) is ridden out by queued commands, an outage is told to publishers without the wait.
     */
    static final Duration FAIL_FAST_AFTER = Duration.ofSeconds(1);

    private RedisLink link;

    private RedisScript appendScript;

    private String publishLibrary;

    private volatile EngineListener listener;

    private volatile RedisOutageLog outages = new RedisOutageLog(Duration.ofSeconds(30));

    private Disposable reconnectFailures;

    private volatile boolean closed;

    /**
     * An engine on one Redis server.
     *
     * @param client a Lettuce client this engine owns from now on (it shuts it down on {@link #close()}, with its
     *        client resources when they came from {@link #clientResources()})
     * @param timeout how long one Redis command may take before it counts as failed
     */
    public RedisEngine(RedisClient client, RedisKeys keys, StreamSettings settings, Duration timeout) {
        this(events -> new StandaloneLink(client, events, true, "client " + client), keys, settings, timeout);
    }

    /**
     * An engine on a Lettuce client the application owns and shares (Spring Data Redis's
     * {@code LettuceConnectionFactory}'s, with its URI, TLS, Sentinel or cluster settings): the engine opens its own
     * two connections on it, leaves the client's options as they are, and on {@link #close()} closes only those
     * connections.
     *
     * @param description where the client connects, for the logs
     */
    public static RedisEngine onSharedClient(AbstractRedisClient client, String description, RedisKeys keys,
            StreamSettings settings, Duration timeout) {
        return switch (client) {
            case RedisClusterClient cluster -> new RedisEngine(
                    events -> new ClusterLink(cluster, events, false, description), keys, settings, timeout);
            case RedisClient standalone -> new RedisEngine(
                    events -> new StandaloneLink(standalone, events, false, description), keys, settings, timeout);
            default -> throw new IllegalArgumentException("not a Lettuce RedisClient or RedisClusterClient: " + client);
        };
    }

    /**
     * An engine on a Redis Cluster: the same keys and scripts, each user on the shard of its hash tag.
     *
     * @param client a Lettuce cluster client this engine owns from now on; topology refresh is turned on, so
     *        failovers and slot moves are followed
     */
    public RedisEngine(RedisClusterClient client, RedisKeys keys, StreamSettings settings, Duration timeout) {
        this(events -> {
            client.setOptions(ClusterClientOptions.builder()
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                    .enableAllAdaptiveRefreshTriggers()
                    .enablePeriodicRefresh(Duration.ofSeconds(10))
                    .build())
                .build());
            return new ClusterLink(client, events, true, "client " + client);
        }, keys, settings, timeout);
    }

    private RedisEngine(Function<RedisLink.Events, RedisLink> connect, RedisKeys keys, StreamSettings settings,
            Duration timeout) {
        this.connect = connect;
        this.keys = keys;
        this.settings = settings;
        this.timeout = timeout;
    }

    /**
     * While Redis is away, say so at most this often (30 s unless set): one line when live delivery pauses, one per
     * interval with the latest reason, one when it is back. Call before {@link #start}.
     *
     * @return this engine
     */
    public RedisEngine logOutagesEvery(Duration interval) {
        this.outages = new RedisOutageLog(interval);
        return this;
    }

    /** {@code hub-node:<pid>:<host>}: how a hub node names its Redis connections, so operators can tell them. */
    public static String nodeName() {
        return "hub-node:" + java.lang.management.ManagementFactory.getRuntimeMXBean().getName().replace('@', ':');
    }

    /**
     * Client resources for the engine's clients: reconnects every 50 ms to 1 s (with jitter) while Redis is away,
     * instead of Lettuce's default that backs off to 30 s, so live delivery resumes within a second of Redis
     * returning. The engine shuts them down when it closes.
     */
    public static ClientResources clientResources() {
        ClientResources resources = ClientResources.builder()
            .reconnectDelay(Delay.equalJitter(Duration.ofMillis(50), Duration.ofSeconds(1), 100, TimeUnit.MILLISECONDS))
            .build();
        MADE_RESOURCES.add(resources);
        return resources;
    }

    /**
     * The event loops of this engine's Lettuce client, for a server that writes what the engine delivers
     * ({@code NettyStreamServer#eventLoops}): a live event read from the pub/sub connection is then written to the
     * streams on that connection's loop without a thread hop. Counted as one more user of the loops
     * ({@link io.lettuce.core.resource.EventLoopGroupProvider#allocate}): give them back with
     * {@link #releaseEventLoops}, after which the client's shutdown may stop them.
     *
     * @return the loops of the client's transport, empty before {@link #start}
     */
    public Optional<EventLoopGroup> allocateEventLoops() {
        RedisLink current = link;
        return current == null ? Optional.empty()
                : Optional.of(current.resources().eventLoopGroupProvider().allocate(Transports.eventLoopGroupClass()));
    }

    /** Gives back loops of {@link #allocateEventLoops}; the last user's release stops them. */
    public void releaseEventLoops(EventLoopGroup loops) {
        link.resources().eventLoopGroupProvider().release(loops, 0, 2, TimeUnit.SECONDS);
    }

    /** Whether these resources came from {@link #clientResources()}: an engine shuts down only those. */
    static boolean madeHere(ClientResources resources) {
        return MADE_RESOURCES.contains(resources);
    }

    @Override
    public void start(EngineListener listener) {
        this.listener = listener;
        try {
            link = connect.apply(new RedisLink.Events() {
                @Override
                public void message(String channel, String message) {
                    onBell(channel, message);
                }

                @Override
                public void lost() {
                    onLost();
                }
            });
        }
        catch (io.lettuce.core.RedisConnectionException ex) {
            // Said plainly: the node does not start and wait (see the README's step 7); an outage that begins while
            // it runs is ridden out.
            throw new EngineException("Redis is unreachable at start (" + ex.getMessage() + "): a node on "
                    + "hub.engine=redis starts only when Redis answers; start it again once Redis is back (a process "
                    + "manager's restart policy does)", ex);
        }
        // One call may append for users of many slots on one node of a cluster (RedisAppends groups them so).
        // Lettuce's reasons for failed reconnects (connection refused, timed out) for the outage log's summary lines.
        reconnectFailures = link.resources().eventBus().get()
            .ofType(ReconnectFailedEvent.class)
            .subscribe(event -> outages.reconnectFailed(String.valueOf(event.getCause().getMessage())));
        appendScript = RedisScript.load("append.lua", "#!lua flags=allow-cross-slot-keys\n", link.scripting());
        publishLibrary = publishLibrary(settings, keys.prefix());
        loadPublishFunction();
        // Messages to every node ride on the pub/sub connection the bells use: no connection more per node.
        link.ssubscribe(keys.nodesChannel()).whenComplete((ok, error) -> {
            if (error != null) {
                log.warn("Subscribing {} failed ({}); a drop and restore subscribes it again", keys.nodesChannel(),
                        error.getMessage());
            }
        });
        log.info("Redis engine started on {} with prefix '{}'", link, keys.prefix());
    }

    @Override
    public List<Published> append(List<Addressed> publications) {
        return RedisAppends.await(appendAsync(publications), publications);
    }

    @Override
    public CompletionStage<List<Published>> appendAsync(List<Addressed> publications) {
        String down = unreachable();
        if (down != null) {
            return CompletableFuture.completedFuture(RedisAppends.unavailable(publications, down));
        }
        return RedisAppends.append(appendScript, link, keys, settings, publications, timeout.toMillis());
    }

    /**
     * Why a publish is refused without being sent, or {@code null}: live delivery has been lost for
     * {@link #FAIL_FAST_AFTER} or longer and the command connection is not connected. Sent then, it would wait in
     * Lettuce's queue for the whole command timeout and most likely be refused after it; refused at once, an HTTP
     * publisher hears 503 with {@code Retry-After} now, {@link dev.livehub.hub.PublishRetries} retries on its backoff,
     * and the node holds no request per publish meanwhile (2,000 a second for 2 s are 4,000).
     */
    private String unreachable() {
        long since = liveLostSince;
        if (since == 0) {
            return null;
        }
        long away = System.nanoTime() - since;
        if (away < FAIL_FAST_AFTER.toNanos() || link.commandsOpen()) {
            return null;
        }
        return "Redis has been unreachable for " + TimeUnit.NANOSECONDS.toMillis(away)
                + " ms; nothing was appended: publish again with the same publish id";
    }

    @Override
    public EventId appendReset(String user, String reason) {
        List<Object> reply = await(RedisAppends.appendReset(appendScript, link, keys, settings, user,
                MemoryEngine.resetData(reason)), "append a reset to the stream of " + user);
        return EventId.parse((String) reply.get(1));
    }

    @Override
    public StreamSlice read(String user, EventId from, int limit) {
        String what = "read the stream of " + user;
        // A position alone (limit 0: a new stream's 'ready', a page's last id) is tiny and never waits behind a
        // backlog: it goes on the command connection, outside the bound on backlog reads.
        boolean backlog = limit > 0;
        if (backlog) {
            try {
                reads.acquire();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new EngineException("interrupted while waiting to " + what, ex);
            }
        }
        try {
            return await(RedisStreamReads.read(backlog ? link.reads() : link.commands(), keys.stream(user), from,
                    limit), what);
        }
        finally {
            if (backlog) {
                reads.release();
            }
        }
    }

    /**
     * Subscribes to the user's bell; an {@code SSUBSCRIBE} that timed out is sent again (it is idempotent, and may
     * well have been applied), up to {@link #SUBSCRIBE_TRIES} times, before the subscription counts as failed and the
     * user's streams here are closed to retry. 5,000 streams opened within two seconds on the Netty port put 5,000
     * {@code SSUBSCRIBE}s on the pub/sub connection at once; 2,385 of them outlasted the 2 s command timeout on a busy
     * 2-core machine, and their streams were closed (issue 17's fan-out run).
     */
    @Override
    public CompletionStage<Void> subscribe(String user) {
        subscribed.add(user);
        return subscribe(keys.bell(user), SUBSCRIBE_TRIES);
    }

    private CompletionStage<Void> subscribe(String bell, int tries) {
        return link.ssubscribe(bell).handle((ok, error) -> {
            if (error == null) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            if (tries > 1 && !closed && cause instanceof RedisCommandTimeoutException) {
                log.debug("SSUBSCRIBE {} timed out; sending it again", bell);
                return subscribe(bell, tries - 1);
            }
            return CompletableFuture.<Void>failedFuture(cause);
        }).thenCompose(next -> next);
    }

    @Override
    public void unsubscribe(String user) {
        subscribed.remove(user);
        link.sunsubscribe(keys.bell(user));
    }

    @Override
    public void broadcast(String message) {
        link.commands().spublish(keys.nodesChannel(), message).whenComplete((receivers, error) -> {
            if (error != null) {
                log.warn("Telling the other nodes failed ({}); they learn it at their next check", error.getMessage());
            }
        });
    }

    @Override
    public StreamAdmin admin() {
        return new RedisStreamAdmin(() -> link.commands(), keys, timeout);
    }

    /** {@code commands}: a {@code PING} answered within a second; {@code pubsub}: the pub/sub connection is open. */
    @Override
    public Map<String, Boolean> links() {
        RedisLink current = closed ? null : link;
        Map<String, Boolean> links = new LinkedHashMap<>();
        links.put("commands", current != null && pings(current));
        links.put("pubsub", current != null && current.pubsub().isOpen());
        return links;
    }

    private boolean pings(RedisLink current) {
        try {
            return "PONG".equals(current.ping().toCompletableFuture()
                .get(Math.min(1000, timeout.toMillis()), TimeUnit.MILLISECONDS));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return false;
        }
        catch (ExecutionException | TimeoutException | RuntimeException ex) {
            return false;
        }
    }

    @Override
    public synchronized void close() {
        synchronized (restoreLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        restorer.shutdownNow();
        if (reconnectFailures != null) {
            reconnectFailures.dispose();
        }
        if (link != null) {
            link.close();
        }
    }

    private void onBell(String channel, String message) {
        if (channel.equals(keys.nodesChannel())) {
            listener.onBroadcast(message);
            return;
        }
        String user = keys.userOf(channel);
        int first = message.indexOf('\n');
        int second = first < 0 ? -1 : message.indexOf('\n', first + 1);
        if (user == null || second < 0) {
            log.warn("Ignored a bell message on {} that is not <id>\\n<event>\\n<data> (length {})", channel,
                    message.length());
            return;
        }
        HubEvent entry;
        try {
            entry = new HubEvent(EventId.parse(message.substring(0, first)), message.substring(first + 1, second),
                    message.substring(second + 1));
        }
        catch (IllegalArgumentException ex) {
            log.warn("Ignored a bell message on {}: {}", channel, ex.getMessage());
            return;
        }
        listener.onEntry(user, entry);
    }

    /**
     * The Redis Function library {@code livehub} with {@code hub_publish}: the append script inlined, with this node's
     * stream settings and key prefix, so a publisher in any language appends exactly as the hub does, and only to keys
     * the nodes read. One library per Redis: hubs of different prefixes on one Redis each load it with their own, and
     * the last loaded is the one FCALL runs.
     */
    static String publishLibrary(StreamSettings settings, String prefix) {
        return RedisScript.read("hub_publish.lua")
            .replace("${prefix}", prefix.replace("\\", "\\\\").replace("'", "\\'"))
            .replace("${maxEntries}", Integer.toString(settings.maxEntries()))
            .replace("${retentionMillis}", Long.toString(settings.retention().toMillis()))
            .replace("${dedupeMillis}", Long.toString(settings.dedupeWindow().toMillis()))
            .replace("${append}", RedisScript.read("append.lua"));
    }

    /**
     * Loads {@code hub_publish} again: at start, and after every drop (a Redis restarted without persistence, or a
     * new cluster primary that was empty, has forgotten it). Publishing from Java does not depend on it.
     */
    private void loadPublishFunction() {
        link.loadFunctions(publishLibrary).whenComplete((ok, error) -> {
            if (error != null) {
                log.warn("Loading the Redis Function hub_publish failed ({}); FCALL hub_publish will not work until "
                        + "the next reconnect. Redis 7.0 or later is needed.", error.getMessage());
            }
            else {
                log.debug("Redis Function hub_publish loaded");
            }
        });
    }

    private void onLost() {
        synchronized (restoreLock) {
            if (closed) {
                return;
            }
            losses++;
            if (liveLostSince == 0) {
                long now = System.nanoTime();
                // 0 means whole: a clock reading of exactly 0 counts as 1 ns later.
                liveLostSince = now != 0 ? now : 1;
                outages.started();
                listener.onLiveLost();
            }
            if (!restoring) {
                restoring = true;
                restorer.execute(this::restoreLive);
            }
        }
    }

    /**
     * Subscribes every local bell again (idempotent: Lettuce resubscribes what it can too), then tells the hub to
     * catch up. Tries again, with a fresh topology on a cluster, until Redis acknowledges all of them with no drop in
     * between. A drop and the end of a restore are decided under one lock, so a drop is never lost between them.
     */
    private void restoreLive() {
        long lossesBefore;
        synchronized (restoreLock) {
            if (closed) {
                return;
            }
            lossesBefore = losses;
        }
        List<String> channels = java.util.stream.Stream.concat(java.util.stream.Stream.of(keys.nodesChannel()),
                subscribed.stream().map(keys::bell)).toList();
        // A PING on the pub/sub connection too: with no bell to subscribe, live delivery is back only once that
        // connection answers, not at once while Redis is still away.
        CompletableFuture<?>[] acks = java.util.stream.Stream.concat(
                java.util.stream.Stream.of(link.pubsub().async().ping().toCompletableFuture()),
                channels.stream().map(channel -> link.ssubscribe(channel).toCompletableFuture()))
            .toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(acks).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .whenComplete((ok, error) -> {
                if (error != null) {
                    // Every attempt (about every second) fails while Redis is away: logged once per interval.
                    outages.stillDown(error.getMessage() != null ? error.getMessage()
                            : error.getClass().getSimpleName());
                }
                synchronized (restoreLock) {
                    if (error != null || losses != lossesBefore) {
                        retryRestore();
                        return;
                    }
                    restoring = false;
                    liveLostSince = 0;
                    loadPublishFunction();
                    outages.ended(channels.size());
                    listener.onLiveRestored();
                }
            });
    }

    private void retryRestore() {
        if (closed) {
            return;
        }
        restorer.schedule(() -> {
            link.refreshTopology();
            restoreLive();
        }, 500, TimeUnit.MILLISECONDS);
    }

    private <T> T await(CompletionStage<T> stage, String what) {
        return await(stage, what, timeout);
    }

    /** The result of a Redis command, or an {@link EngineException} that says what could not be done. */
    static <T> T await(CompletionStage<T> stage, String what, Duration timeout) {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while trying to " + what, ex);
        }
        catch (ExecutionException ex) {
            throw new EngineException("Redis could not " + what + ": " + ex.getCause().getMessage(), ex.getCause());
        }
        catch (TimeoutException ex) {
            throw new EngineException("Redis did not " + what + " within " + timeout.toMillis() + " ms", ex);
        }
    }

    @Override
    public String toString() {
        return "RedisEngine[" + keys.prefix() + "]";
    }
}
