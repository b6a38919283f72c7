package dev.livehub.hub.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.livehub.hub.EventId;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.Publication;

/**
 * The engine for many nodes: one Redis stream per user, appended by {@code append.lua}, and a sharded pub/sub
 * doorbell per user that carries each new entry. A node holds two Redis connections whatever its number of browsers:
 * one for commands and one for pub/sub, on which it {@code SSUBSCRIBE}s to the bell of each locally connected user.
 *
 * <p>When the pub/sub connection drops, the listener hears {@link EngineListener#onLiveLost()}; once Lettuce has
 * reconnected and every bell is subscribed again, {@link EngineListener#onLiveRestored()}, so the hub re-reads every
 * stream from its cursors. Messages are never written to a client from here: the listener only queues them.
 */
public final class RedisEngine implements Engine {

    private static final Logger log = LoggerFactory.getLogger(RedisEngine.class);

    private final RedisClient client;

    private final RedisKeys keys;

    private final StreamSettings settings;

    private final Duration timeout;

    private final Set<String> subscribed = ConcurrentHashMap.newKeySet();

    private StatefulRedisConnection<String, String> commands;

    private StatefulRedisPubSubConnection<String, String> pubsub;

    private RedisScript appendScript;

    private RedisScript readScript;

    private volatile EngineListener listener;

    private volatile boolean liveLost;

    private volatile boolean closed;

    /**
     * @param client a Lettuce client this engine owns from now on (it shuts it down on {@link #close()})
     * @param timeout how long one Redis command may take before it counts as failed
     */
    public RedisEngine(RedisClient client, RedisKeys keys, StreamSettings settings, Duration timeout) {
        this.client = client;
        this.keys = keys;
        this.settings = settings;
        this.timeout = timeout;
    }

    @Override
    public void start(EngineListener listener) {
        this.listener = listener;
        client.addListener(new PubSubStateListener());
        commands = client.connect();
        pubsub = client.connectPubSub();
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void smessage(String channel, String message) {
                onBell(channel, message);
            }
        });
        appendScript = RedisScript.load("append.lua", commands.async());
        readScript = RedisScript.load("read.lua", commands.async());
        log.info("Redis engine started on {} with prefix '{}'", client, keys.prefix());
    }

    @Override
    public Map<String, EventId> append(Collection<String> users, Publication publication) {
        Map<String, CompletionStage<String>> pending = new LinkedHashMap<>();
        String maxEntries = Integer.toString(settings.maxEntries());
        String retention = Long.toString(settings.retention().toMillis());
        String window = Long.toString(settings.dedupeWindow().toMillis());
        for (String user : users) {
            String[] scriptKeys = { keys.stream(user), keys.publishId(user, publication.publishId()), keys.bell(user) };
            pending.put(user, appendScript.run(commands.async(), ScriptOutputType.VALUE, scriptKeys,
                    publication.event(), publication.data(), maxEntries, retention, window));
        }
        Map<String, EventId> ids = new LinkedHashMap<>();
        pending.forEach((user, id) -> ids.put(user, EventId.parse(await(id, "append to the stream of " + user))));
        return ids;
    }

    @Override
    public StreamSlice read(String user, EventId from, int limit) {
        List<Object> reply = await(readScript.run(commands.async(), ScriptOutputType.MULTI,
                new String[] { keys.stream(user) }, from.toString(), Integer.toString(limit)),
                "read the stream of " + user);
        EventId last = EventId.parse((String) reply.get(0));
        boolean headRemoved = ((Long) reply.get(1)) > 0;
        // Lettuce gives an empty nested array as null.
        List<?> rows = reply.size() > 2 && reply.get(2) != null ? (List<?>) reply.get(2) : List.of();
        List<HubEvent> entries = new ArrayList<>(rows.size());
        for (Object row : rows) {
            entries.add(toEvent((List<?>) row));
        }
        return new StreamSlice(last, headRemoved, entries);
    }

    @Override
    public CompletionStage<Void> subscribe(String user) {
        subscribed.add(user);
        return pubsub.async().ssubscribe(keys.bell(user));
    }

    @Override
    public void unsubscribe(String user) {
        subscribed.remove(user);
        pubsub.async().sunsubscribe(keys.bell(user));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (pubsub != null) {
            pubsub.close();
        }
        if (commands != null) {
            commands.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private void onBell(String channel, String message) {
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

    /** Resubscribes every bell (idempotent: Lettuce did it too), then tells the hub to catch up. */
    private void restoreLive() {
        if (closed) {
            return;
        }
        String[] channels = subscribed.stream().map(keys::bell).toArray(String[]::new);
        CompletionStage<Void> done = channels.length == 0 ? CompletableFuture.completedFuture(null)
                : pubsub.async().ssubscribe(channels);
        done.whenComplete((ok, error) -> {
            if (error != null) {
                log.warn("Resubscribing {} bells failed ({}); trying again", channels.length, error.getMessage());
                CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(this::restoreLive);
                return;
            }
            liveLost = false;
            log.info("Pub/sub connection restored; {} bells subscribed, catching up", channels.length);
            listener.onLiveRestored();
        });
    }

    private <T> T await(CompletionStage<T> stage, String what) {
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

    private static HubEvent toEvent(List<?> row) {
        String event = null;
        String data = null;
        List<?> fields = (List<?>) row.get(1);
        for (int i = 0; i + 1 < fields.size(); i += 2) {
            switch ((String) fields.get(i)) {
                case "event" -> event = (String) fields.get(i + 1);
                case "data" -> data = (String) fields.get(i + 1);
                default -> { }
            }
        }
        return new HubEvent(EventId.parse((String) row.get(0)), event == null ? "message" : event,
                data == null ? "" : data);
    }

    /** Lettuce reports state for every connection of the client; only the pub/sub one matters here. */
    private final class PubSubStateListener implements RedisConnectionStateListener {

        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
            if (connection == pubsub && !closed) {
                liveLost = true;
                log.warn("Pub/sub connection to Redis lost; live delivery paused until it is back");
                listener.onLiveLost();
            }
        }

        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> connection, java.net.SocketAddress address) {
            if (connection == pubsub && liveLost) {
                restoreLive();
            }
        }
    }

    @Override
    public String toString() {
        return "RedisEngine[" + keys.prefix() + "]";
    }
}
