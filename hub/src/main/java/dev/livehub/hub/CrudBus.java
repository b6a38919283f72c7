package dev.livehub.hub;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What services call when records change: {@code crudBus.publishToUsers(List.of(learnerId, trainerId), "crud.update",
 * Map.of("model", "Task", "id", 12, "fields", Map.of("state", "done")))}.
 *
 * <p>Inside a transaction the event is published after commit, so no client refreshes before the change is visible;
 * a rolled-back transaction publishes nothing. With an {@link Outbox} (a JDBC application with
 * {@code hub.outbox.enabled}), the publication is written in the same transaction and survives the node: a node that
 * dies between the commit and the append leaves it to another. Otherwise, after commit, the publication is handed to a
 * background worker (in order with every other), so the committing thread never waits for the store, and nothing the
 * hub does then can fail the caller; outside a transaction it is published before the call returns, unless the store
 * is failing. Arguments are checked and the payload serialised at the call, so a mistake fails where it was made, not
 * after commit.
 *
 * <p>When the change comes from a browser tab that sent its origin id (see {@code app-stream.js}), an object payload
 * carries {@code "origin": "<publishing user>/<tab origin id>"}, stamped by the hub from the request, so that tab, and
 * only a tab of the user who made the change, can skip its own echo.
 *
 * <p>Thread-safe.
 */
public final class CrudBus {

    private final JsonMapper json;

    private final AfterCommit afterCommit;

    private final Supplier<String> origin;

    private final PublishRetries retries;

    private final Outbox outbox;

    private final SkippedRecipients skipped;

    public CrudBus(Hub hub, JsonMapper json, AfterCommit afterCommit) {
        this(hub, json, afterCommit, () -> null, new PublishRetries(hub, Duration.ofSeconds(30)));
    }

    /**
     * @param origin the origin of the request being served, {@code <user>/<tab origin id>}, or {@code null}
     * @param retries where publications the store refused are retried, and lost ones turned into resets
     */
    public CrudBus(Hub hub, JsonMapper json, AfterCommit afterCommit, Supplier<String> origin,
            PublishRetries retries) {
        this(json, afterCommit, origin, retries, Outbox.NONE);
    }

    /**
     * @param outbox where publications made inside a transaction are written, durably; {@link Outbox#NONE} for none
     */
    public CrudBus(JsonMapper json, AfterCommit afterCommit, Supplier<String> origin, PublishRetries retries,
            Outbox outbox) {
        this.json = json;
        this.afterCommit = afterCommit;
        this.origin = origin;
        this.retries = retries;
        this.outbox = outbox;
        this.skipped = new SkippedRecipients(retries == null ? null : retries.hub().metrics().skippedUsers);
    }

    /**
     * A bus for an application that runs with the hub turned off ({@code hub.enabled=false}): it checks its arguments
     * and serialises the payload like any bus, then publishes nothing.
     */
    public static CrudBus off(JsonMapper json) {
        return new CrudBus(json, AfterCommit.IMMEDIATE, () -> null, null, Outbox.NONE);
    }

    /**
     * Publishes {@code payload}, serialised as JSON, as event {@code event} to each of {@code userIds}.
     *
     * <p>When the store fails (Redis down), the publication is retried in the background for a bounded time and
     * this returns; if it still fails, its users get a {@code reset} once the store is back (see
     * {@link PublishRetries}). A change that was committed is never reported as failed.
     *
     * <p>A recipient no stream can belong to (a user id that is {@code null}, empty or over
     * {@value Publication#MAX_USER_ID_LENGTH} characters) is skipped, with a WARN at most once a minute and the
     * {@code hub.publish.users.skipped} counter; the others are published to, and the caller's transaction is not
     * failed for it.
     *
     * @throws IllegalArgumentException when no user is named, the event name is invalid, or the payload cannot be
     *         serialised or is over 64 KiB
     */
    public void publishToUsers(Collection<String> userIds, String event, Object payload) {
        publishToUsers(userIds, event, payload, Publication.newPublishId());
    }

    /**
     * Publishes as {@link #publishToUsers(Collection, String, Object)} does, under a publish id of the caller's (an
     * outbox row's id, {@code "order-17-shipped"}): publishing again with the same id, from any node, appends to no
     * user's stream twice, so a publication can be retried after a crash. The same id with another event or payload
     * is refused ({@link PublishConflictException}, logged, as the publication runs after commit).
     *
     * @param publishId 1 to 64 characters, naming this publication
     * @throws IllegalArgumentException as {@link #publishToUsers(Collection, String, Object)}, or for an invalid
     *         publish id
     */
    public void publishToUsers(Collection<String> userIds, String event, Object payload, String publishId) {
        if (userIds == null || userIds.isEmpty()) {
            throw new IllegalArgumentException("name at least one user to publish '" + event + "' to");
        }
        Publication publication = new Publication(event, serialise(event, payload), publishId);
        List<String> users = skipped.addressable(userIds, event);
        if (users.isEmpty()) {
            return;
        }
        if (retries == null || outbox.offer(users, publication)) {
            return;
        }
        if (afterCommit.defers()) {
            // After commit the request thread only queues: it is never held for the store's timeout.
            afterCommit.run(() -> retries.publishLater(users, publication));
        }
        else {
            retries.publish(users, publication);
        }
    }

    private String serialise(String event, Object payload) {
        try {
            String from = origin.get();
            if (from != null) {
                JsonNode tree = json.valueToTree(payload);
                if (tree instanceof ObjectNode object && !object.has("origin")) {
                    object.put("origin", from);
                    return json.writeValueAsString(object);
                }
            }
            return json.writeValueAsString(payload);
        }
        catch (JacksonException ex) {
            throw new IllegalArgumentException("the payload of '" + event + "' cannot be written as JSON: "
                    + ex.getOriginalMessage(), ex);
        }
    }
}
