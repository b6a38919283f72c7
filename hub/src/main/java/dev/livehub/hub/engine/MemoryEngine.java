package dev.livehub.hub.engine;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.livehub.hub.Addressed;
import dev.livehub.hub.EventId;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.Publication;
import dev.livehub.hub.Published;

/**
 * The embedded engine for one node: streams in this JVM's memory, with the ids, trimming and retention of the Redis
 * engine, so that the same resume rules hold. Nothing survives a restart; clients then get {@code reset}.
 *
 * <p>{@link #sharing(MemoryEngine)} makes a second engine over the same streams, as a second node on the same Redis:
 * for tests and demos of several hubs in one JVM.
 */
public final class MemoryEngine implements Engine {

    private final Store store;

    private final Set<String> subscribed = ConcurrentHashMap.newKeySet();

    private volatile EngineListener listener;

    public MemoryEngine(StreamSettings settings) {
        this(settings, Clock.systemUTC());
    }

    public MemoryEngine(StreamSettings settings, Clock clock) {
        this(new Store(settings, clock));
    }

    private MemoryEngine(Store store) {
        this.store = store;
    }

    /** Another engine over the same streams, as another node on the same store. */
    public static MemoryEngine sharing(MemoryEngine other) {
        return new MemoryEngine(other.store);
    }

    @Override
    public void start(EngineListener listener) {
        this.listener = listener;
        store.attach(this);
    }

    @Override
    public List<Published> append(List<Addressed> publications) {
        List<Published> results = new ArrayList<>(publications.size());
        for (Addressed addressed : publications) {
            Publication publication = addressed.publication();
            Map<String, EventId> ids = new LinkedHashMap<>();
            Map<String, Published.Refusal> refused = new LinkedHashMap<>();
            for (String user : addressed.users()) {
                HubEvent earlier = store.stream(user).append(user, publication.event(), publication.data(),
                        publication.publishId());
                if (earlier.event().equals(publication.event()) && earlier.data().equals(publication.data())) {
                    ids.put(user, earlier.id());
                }
                else {
                    refused.put(user, conflict(publication.publishId(), earlier.id()));
                }
            }
            results.add(new Published(publication.publishId(), ids, refused));
        }
        return results;
    }

    /** The refusal of a publish id used again with other content; the words are the same for every engine. */
    static Published.Refusal conflict(String publishId, EventId earlier) {
        return new Published.Refusal(Published.Reason.PUBLISH_ID_CONFLICT, "publish id '" + publishId
                + "' was used for another event or data (entry " + earlier + "); nothing was appended");
    }

    @Override
    public EventId appendReset(String user, String reason) {
        return store.stream(user).append(user, "reset", resetData(reason), Publication.newPublishId()).id();
    }

    static String resetData(String reason) {
        return "{\"reason\":\"" + reason + "\"}";
    }

    @Override
    public StreamSlice read(String user, EventId from, int limit) {
        UserStream stream = store.streams.get(user);
        return stream == null || stream.expired(store.clock.millis()) ? StreamSlice.empty()
                : stream.read(from, limit);
    }

    @Override
    public StreamAdmin admin() {
        return new StreamAdmin() {
            @Override
            public List<UserStream> users(String match, int limit) {
                java.util.regex.Pattern glob = StreamAdmin.glob(match);
                long now = store.clock.millis();
                return store.streams.entrySet().stream()
                    .filter(entry -> glob.matcher(entry.getKey()).matches() && !entry.getValue().expired(now))
                    .limit(limit)
                    .map(entry -> entry.getValue().describe(entry.getKey()))
                    .toList();
            }

            @Override
            public long trim(String user, int maxEntries) {
                MemoryEngine.UserStream stream = store.streams.get(user);
                return stream == null ? 0 : stream.trim(maxEntries);
            }

            @Override
            public void reportNode(String name, String json, java.time.Duration ttl) {
                store.nodeReports.put(name, new NodeReport(json, store.clock.millis() + ttl.toMillis()));
            }

            @Override
            public void reportNodeUsers(String name, String json, java.time.Duration ttl) {
                store.nodeUsers.put(name, new NodeReport(json, store.clock.millis() + ttl.toMillis()));
            }

            @Override
            public boolean keepNodeUsers(String name, java.time.Duration ttl) {
                long now = store.clock.millis();
                return store.nodeUsers.computeIfPresent(name, (n, report) -> report.expiresMs() <= now ? null
                        : new NodeReport(report.json(), now + ttl.toMillis())) != null;
            }

            @Override
            public String nodeUsers(String name) {
                NodeReport report = store.nodeUsers.get(name);
                return report == null || report.expiresMs() <= store.clock.millis() ? null : report.json();
            }

            @Override
            public void forgetNode(String name) {
                store.nodeReports.remove(name);
                store.nodeUsers.remove(name);
            }

            @Override
            public Map<String, String> nodes() {
                long now = store.clock.millis();
                store.nodeReports.values().removeIf(report -> report.expiresMs() <= now);
                Map<String, String> nodes = new java.util.TreeMap<>();
                store.nodeReports.forEach((name, report) -> nodes.put(name, report.json()));
                return nodes;
            }
        };
    }

    private record NodeReport(String json, long expiresMs) {
    }

    @Override
    public CompletionStage<Void> subscribe(String user) {
        subscribed.add(user);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void unsubscribe(String user) {
        subscribed.remove(user);
    }

    @Override
    public void close() {
        subscribed.clear();
        store.detach(this);
    }

    private void deliver(String user, HubEvent entry) {
        EngineListener target = listener;
        if (target != null && subscribed.contains(user)) {
            target.onEntry(user, entry);
        }
    }

    /** The streams, shared by the engines (nodes) attached to them. */
    private static final class Store {

        private final StreamSettings settings;

        private final Clock clock;

        private final Map<String, UserStream> streams = new ConcurrentHashMap<>();

        /** The heartbeats of the engines (nodes) sharing this store. */
        private final Map<String, NodeReport> nodeReports = new ConcurrentHashMap<>();

        private final Map<String, NodeReport> nodeUsers = new ConcurrentHashMap<>();

        private final List<MemoryEngine> nodes = new CopyOnWriteArrayList<>();

        private ScheduledExecutorService sweeper;

        Store(StreamSettings settings, Clock clock) {
            this.settings = settings;
            this.clock = clock;
        }

        synchronized void attach(MemoryEngine node) {
            nodes.add(node);
            if (sweeper == null) {
                // Removes streams whose retention passed, as Redis expires their keys.
                long every = Math.max(100, Math.min(60_000, settings.retention().toMillis() / 2));
                sweeper = Executors.newSingleThreadScheduledExecutor(
                        Thread.ofPlatform().daemon().name("hub-memory-sweeper").factory());
                sweeper.scheduleWithFixedDelay(() -> {
                    long now = clock.millis();
                    streams.values().removeIf(stream -> stream.expired(now));
                }, every, every, TimeUnit.MILLISECONDS);
            }
        }

        synchronized void detach(MemoryEngine node) {
            nodes.remove(node);
            if (nodes.isEmpty() && sweeper != null) {
                sweeper.shutdownNow();
                sweeper = null;
            }
        }

        UserStream stream(String user) {
            long now = clock.millis();
            // An expired stream is replaced, as a Redis key that expired is recreated: its ids start over.
            return streams.compute(user, (key, old) -> old == null || old.expired(now) ? new UserStream(this) : old);
        }
    }

    private static final class UserStream {

        private final Store store;

        private final ArrayDeque<HubEvent> entries = new ArrayDeque<>();

        /** Publish ids seen within the dedupe window, with the entry each appended. */
        private final LinkedHashMap<String, HubEvent> recentPublishes = new LinkedHashMap<>();

        private EventId lastId = EventId.ZERO;

        private boolean headRemoved;

        private long lastAppendMs;

        UserStream(Store store) {
            this.store = store;
        }

        /**
         * Appends the entry unless its publish id was seen within the dedupe window.
         *
         * @return the entry appended now, or the one appended earlier with the same publish id (which may differ)
         */
        synchronized HubEvent append(String user, String event, String data, String publishId) {
            StreamSettings settings = store.settings;
            long now = store.clock.millis();
            recentPublishes.values().removeIf(seen -> seen.id().ms() < now - settings.dedupeWindow().toMillis());
            HubEvent earlier = recentPublishes.get(publishId);
            if (earlier != null) {
                return earlier;
            }
            EventId id = now > lastId.ms() ? new EventId(now, 0) : new EventId(lastId.ms(), lastId.seq() + 1);
            HubEvent entry = new HubEvent(id, event, data);
            entries.addLast(entry);
            while (entries.size() > settings.maxEntries()) {
                entries.removeFirst();
                headRemoved = true;
            }
            lastId = id;
            lastAppendMs = now;
            recentPublishes.put(publishId, entry);
            // Delivered under the lock, so a user's entries reach every node in id order.
            for (MemoryEngine node : store.nodes) {
                node.deliver(user, entry);
            }
            return entry;
        }

        synchronized StreamSlice read(EventId from, int limit) {
            List<HubEvent> found = new ArrayList<>(Math.min(limit, entries.size()));
            long bytes = 0;
            for (HubEvent entry : entries) {
                if (found.size() == limit || bytes >= READ_BYTES && found.size() > 1) {
                    break;
                }
                if (entry.id().compareTo(from) >= 0) {
                    found.add(entry);
                    bytes += entry.event().length() + entry.data().length();
                }
            }
            return new StreamSlice(lastId, headRemoved, found);
        }

        synchronized long trim(int maxEntries) {
            long removed = 0;
            while (entries.size() > maxEntries) {
                entries.removeFirst();
                headRemoved = true;
                removed++;
            }
            return removed;
        }

        synchronized StreamAdmin.UserStream describe(String user) {
            return new StreamAdmin.UserStream(user, entries.size(), lastId);
        }

        synchronized boolean expired(long now) {
            return lastAppendMs > 0 && now - lastAppendMs >= store.settings.retention().toMillis();
        }
    }
}
