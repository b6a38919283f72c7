package dev.livehub.hub.engine;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.livehub.hub.Addressed;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Publication;
import dev.livehub.hub.Published;

/**
 * Stores per-user streams and rings a node's doorbell when one grows. Engines only store and fan out; resume rules,
 * framing and connections live above them, in {@link dev.livehub.hub.Hub}.
 *
 * <p>Implementations are thread-safe. Listener callbacks may come on an I/O thread and must not block.
 */
public interface Engine extends AutoCloseable {

    /**
     * Starts the engine; live entries of subscribed users go to {@code listener} from then on.
     */
    void start(EngineListener listener);

    /**
     * Appends each publication to the stream of each of its users, trimming and extending retention as configured,
     * with as few calls to the store as it allows (one per shard and a bounded number of entries). For each user, in
     * order:
     * <ul>
     * <li>a publish id not seen within the dedupe window is appended;</li>
     * <li>one seen with the same event and data (a retry) is not appended again: its first id is returned;</li>
     * <li>one seen with another event or data is refused, {@link Published.Reason#PUBLISH_ID_CONFLICT}.</li>
     * </ul>
     * A user's entries of one call are appended in the order given. Store failures do not throw: the users they
     * concern are reported refused ({@link Published.Reason#STORE_FULL}, {@link Published.Reason#STORE_UNAVAILABLE}),
     * and a retry with the same publications appends only what is missing.
     *
     * @return one result per publication, in the order given
     */
    List<Published> append(List<Addressed> publications);

    /**
     * {@link #append(List)} without holding the caller (an event loop): the stage completes with the same results once
     * the store has answered (or not in time) for every user. Store failures are refusals in the results, as there;
     * the stage completes exceptionally only for a fault of the engine's own. Completions may run on an I/O thread of
     * the engine: they must not block.
     *
     * <p>The default appends in the caller's thread, which is right for an engine whose append never waits (the memory
     * engine's); an engine that waits for a store overrides it.
     */
    default CompletionStage<List<Published>> appendAsync(List<Addressed> publications) {
        try {
            return CompletableFuture.completedFuture(append(publications));
        }
        catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }

    /**
     * Appends one publication to each user's stream, as {@link #append(List)} does.
     *
     * @return the id of the entry per user, in the order given
     * @throws EngineException when the store refused or could not be reached for some user; a retry with the same
     *         publication appends only the missing ones
     * @throws dev.livehub.hub.PublishConflictException when the publish id was used before for other content
     */
    default Map<String, EventId> append(Collection<String> users, Publication publication) {
        return append(List.of(publication.to(users))).getFirst().orThrow();
    }

    /**
     * Appends the hub's own {@code reset} entry, {@code {"reason":"<reason>"}}, to a user's stream: every client of
     * the user, on any node, reloads what it shows when it reaches it. Used when entries for the user were lost.
     *
     * @throws EngineException when the store cannot be reached
     */
    EventId appendReset(String user, String reason);

    /**
     * How much one read returns at most, in bytes of entries (event names and data) after the first: the read stops
     * after the entry that reaches it. A catch-up of 60 KB events then goes in reads of about 1 MiB, so one user's
     * backlog never holds a connection, a Redis reply or the node's memory for long, and reads of many users take
     * turns. A denial-of-service guard as much as a memory bound.
     */
    int READ_BYTES = 1 << 20;

    /**
     * Reads a user's stream from {@code from}, inclusive, so that the caller can tell whether its cursor is still in
     * the stream: at most {@code limit} entries, and no more than about {@link #READ_BYTES}, but always the entry after
     * {@code from} when there is one. The slice's entries end at its {@code lastId} when the read reached the end.
     */
    StreamSlice read(String user, EventId from, int limit);

    /**
     * Makes this node receive the user's live entries. Completes once entries appended from now on are sure to be
     * delivered; subscribing an already subscribed user completes at once.
     */
    CompletionStage<Void> subscribe(String user);

    /** The node no longer needs the user's live entries. */
    void unsubscribe(String user);

    /**
     * Sends a short message to every node of this store, this one included ({@link EngineListener#onBroadcast}),
     * without waiting: on Redis, over the pub/sub connection every node already holds. Best effort: a node whose
     * connection is down misses it. An engine of one node has no one else to tell and drops it.
     */
    default void broadcast(String message) {
    }

    /**
     * The engine's connections to its store, each with whether it works now (a command answered within a second, a
     * subscription connection open); empty for an engine that needs none. For health checks: it may block up to a
     * second.
     */
    default Map<String, Boolean> links() {
        return Map.of();
    }

    /** What operators may do to this engine's streams and see of its nodes. */
    StreamAdmin admin();

    /** Stops live delivery and releases connections. */
    @Override
    void close();
}
