package dev.livehub.hub.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import io.lettuce.core.ScriptOutputType;
import io.netty.util.Timeout;

import dev.livehub.hub.Addressed;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Published;

/**
 * One {@link Engine#append(List)} on Redis: the entries (a user and a publication each) grouped by where they may run
 * together (all of them on one Redis server; on a Redis Cluster, the users whose slots one node holds), cut into calls
 * of at most {@link #ENTRIES_PER_CALL} entries, every call of {@code append.lua} sent at once (pipelined), then each
 * user's outcome read back. One event to 1,000 users is 4 calls on one Redis, a few per node on a cluster, not 1,000.
 * A cluster call that reached a node no longer holding all its slots is sent again one slot per call.
 */
final class RedisAppends {

    /** Entries per script call: a call blocks Redis while it runs, so a huge fan-out is cut into several. */
    static final int ENTRIES_PER_CALL = 250;

    /** What one publication appends: its event, data and publish id ({@code null}: none kept, a reset). */
    private record Item(String event, String data, String publishId) {
    }

    /** One user's entry: the index of its item, and the user. */
    private record Entry(int item, String user) {
    }

    private record Call(List<Entry> entries, CompletableFuture<List<Object>> reply) {
    }

    private final RedisScript script;

    private final RedisLink link;

    private final RedisKeys keys;

    private final StreamSettings settings;

    private final List<Item> items;

    /** Per item: the entry id per user whose stream holds it, and why per user whose stream does not. */
    private final List<Map<String, EventId>> ids = new ArrayList<>();

    private final List<Map<String, Published.Refusal>> refused = new ArrayList<>();

    private RedisAppends(RedisScript script, RedisLink link, RedisKeys keys, StreamSettings settings,
            List<Item> items) {
        this.script = script;
        this.link = link;
        this.keys = keys;
        this.settings = settings;
        this.items = items;
        for (int i = 0; i < items.size(); i++) {
            ids.add(new LinkedHashMap<>());
            refused.add(new LinkedHashMap<>());
        }
    }

    /**
     * Appends as {@link Engine#append(List)} says, without waiting: every call is sent before this returns, and the
     * stage completes once each has been answered or has outlasted {@code timeoutMillis}. It does not complete
     * exceptionally for a store failure (those are refusals in the results).
     *
     * @param timeoutMillis how long to wait for all the calls
     */
    static CompletionStage<List<Published>> append(RedisScript script, RedisLink link, RedisKeys keys,
            StreamSettings settings, List<Addressed> publications, long timeoutMillis) {
        List<Item> items = new ArrayList<>(publications.size());
        List<Entry> entries = new ArrayList<>();
        for (int p = 0; p < publications.size(); p++) {
            Addressed addressed = publications.get(p);
            items.add(new Item(addressed.publication().event(), addressed.publication().data(),
                    addressed.publication().publishId()));
            for (String user : addressed.users()) {
                entries.add(new Entry(p, user));
            }
        }
        RedisAppends appends = new RedisAppends(script, link, keys, settings, items);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        return appends.send(entries, link::group, deadline, timeoutMillis).thenCompose(misrouted -> {
            if (misrouted.isEmpty()) {
                return CompletableFuture.completedFuture(misrouted);
            }
            // A cluster's slots moved under a call for one node: each slot on its own follows the redirections (a
            // call that ran in part is made whole by its publish ids).
            return appends.send(misrouted, key -> link.slot(key), deadline, timeoutMillis);
        }).thenApply(misrouted -> {
            misrouted.forEach(entry -> appends.refused.get(entry.item()).put(entry.user(), unavailable(
                    "the Redis Cluster's slots are moving; publish again with the same publish id")));
            return appends.results(publications);
        });
    }

    /**
     * The results of {@link #append(RedisScript, RedisLink, RedisKeys, StreamSettings, List, long) append}, waited
     * for: at most about its timeout, as each call times out on its own. An interrupted wait refuses every user (the
     * calls may still append: a retry with the same publish ids appends what is missing).
     */
    static List<Published> await(CompletionStage<List<Published>> appended, List<Addressed> publications) {
        try {
            return appended.toCompletableFuture().get();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return unavailable(publications, "interrupted while waiting for Redis");
        }
        catch (ExecutionException ex) {
            throw ex.getCause() instanceof RuntimeException fault ? fault
                    : new IllegalStateException("appending failed", ex.getCause());
        }
    }

    /** Every user of every publication refused, as the store is unavailable, for {@code why}. */
    static List<Published> unavailable(List<Addressed> publications, String why) {
        Published.Refusal refusal = unavailable(why);
        List<Published> results = new ArrayList<>(publications.size());
        for (Addressed addressed : publications) {
            Map<String, Published.Refusal> refused = new LinkedHashMap<>();
            addressed.users().forEach(user -> refused.put(user, refusal));
            results.add(new Published(addressed.publication().publishId(), Map.of(), refused));
        }
        return results;
    }

    /** Per publication, in order, each user's entry id or why it has none. */
    private List<Published> results(List<Addressed> publications) {
        List<Published> results = new ArrayList<>(publications.size());
        for (int p = 0; p < publications.size(); p++) {
            Map<String, EventId> inOrder = new LinkedHashMap<>();
            Map<String, Published.Refusal> refusedInOrder = new LinkedHashMap<>();
            for (String user : publications.get(p).users()) {
                EventId id = ids.get(p).get(user);
                if (id != null) {
                    inOrder.put(user, id);
                }
                else {
                    refusedInOrder.put(user, refused.get(p).get(user));
                }
            }
            results.add(new Published(items.get(p).publishId(), inOrder, refusedInOrder));
        }
        return results;
    }

    /** A reset entry: no publish id, so it is always appended. */
    static CompletionStage<List<Object>> appendReset(RedisScript script, RedisLink link, RedisKeys keys,
            StreamSettings settings, String user, String data) {
        return new RedisAppends(script, link, keys, settings, List.of(new Item("reset", data, null)))
            .call(List.of(new Entry(0, user)));
    }

    /**
     * Sends the entries grouped by {@code group} of their stream key, in calls of at most {@link #ENTRIES_PER_CALL},
     * all at once; once every call is answered or timed out, reads each user's outcome, in the order of the calls (on
     * one thread, whichever completes last: the outcomes are never read concurrently).
     *
     * @return the entries of calls that a cluster refused as sent to the wrong node, to send again by slot
     */
    private CompletionStage<List<Entry>> send(List<Entry> entries, Function<String, Object> group, long deadline,
            long timeoutMillis) {
        Map<Object, List<Entry>> groups = new LinkedHashMap<>();
        for (Entry entry : entries) {
            groups.computeIfAbsent(group.apply(keys.stream(entry.user())), key -> new ArrayList<>()).add(entry);
        }
        List<Call> calls = new ArrayList<>();
        for (List<Entry> grouped : groups.values()) {
            for (int from = 0; from < grouped.size(); from += ENTRIES_PER_CALL) {
                List<Entry> chunk = grouped.subList(from, Math.min(grouped.size(), from + ENTRIES_PER_CALL));
                calls.add(new Call(chunk, call(chunk).toCompletableFuture()));
            }
        }
        Runnable cancelTimeout = timeOut(calls, Math.max(0, deadline - System.nanoTime()));
        CompletableFuture<?> all = calls.size() == 1 ? calls.getFirst().reply()
                : CompletableFuture.allOf(calls.stream().map(Call::reply).toArray(CompletableFuture[]::new));
        return all.handle((ignored, failed) -> {
            cancelTimeout.run();
            List<Entry> misrouted = new ArrayList<>();
            for (Call call : calls) {
                if (call.reply().state() == Future.State.SUCCESS) {
                    read(call, call.reply().resultNow());
                    continue;
                }
                Throwable error = call.reply().exceptionNow();
                if (error instanceof TimeoutException) {
                    refuseAll(call, unavailable("Redis did not answer within " + timeoutMillis
                            + " ms; it may still append: publish again with the same publish id"));
                }
                else if (misrouted(error)) {
                    misrouted.addAll(call.entries());
                }
                else {
                    refuseAll(call, refusal(error));
                }
            }
            return misrouted;
        });
    }

    /**
     * Fails the calls still unanswered after {@code nanos} with a {@link TimeoutException}; returns what cancels that.
     * One timeout for all the calls, on the client's wheel timer: a JDK timer task per call
     * ({@link CompletableFuture#orTimeout}) kept a thread 2.5 % busy at 2,000 publishes a second.
     */
    private Runnable timeOut(List<Call> calls, long nanos) {
        try {
            Timeout timeout = link.resources().timer().newTimeout(expired -> {
                calls.forEach(call -> call.reply().completeExceptionally(new TimeoutException()));
            }, nanos, TimeUnit.NANOSECONDS);
            return timeout::cancel;
        }
        catch (IllegalStateException stopped) {
            // The client's resources are shut down (the engine is closing): the JDK's timer then.
            calls.forEach(call -> call.reply().orTimeout(nanos, TimeUnit.NANOSECONDS));
            return () -> { };
        }
    }

    /**
     * Sends one call of {@code append.lua}: the first entry's keys declared (they route the call on a cluster), the
     * items it uses once each, and four values per entry.
     */
    private CompletionStage<List<Object>> call(List<Entry> entries) {
        Map<Integer, Integer> local = new LinkedHashMap<>();
        for (Entry entry : entries) {
            local.putIfAbsent(entry.item(), local.size() + 1);
        }
        List<String> args = new ArrayList<>(4 + local.size() * 2 + entries.size() * 4);
        args.add(Integer.toString(settings.maxEntries()));
        args.add(Long.toString(settings.retention().toMillis()));
        args.add(Long.toString(settings.dedupeWindow().toMillis()));
        args.add(Integer.toString(local.size()));
        for (int i : local.keySet()) {
            args.add(items.get(i).event());
            args.add(items.get(i).data());
        }
        String[] declared = null;
        for (Entry entry : entries) {
            String stream = keys.stream(entry.user());
            String publishId = items.get(entry.item()).publishId();
            // The stream key in the publish id's place keeps no publish id (append.lua).
            String publishKey = publishId == null ? stream : keys.publishId(entry.user(), publishId);
            String bell = keys.bell(entry.user());
            if (declared == null) {
                declared = new String[] { stream, publishKey, bell };
            }
            args.add(Integer.toString(local.get(entry.item())));
            args.add(stream);
            args.add(publishKey);
            args.add(bell);
        }
        return script.run(link.scripting(), ScriptOutputType.MULTI, declared, args.toArray(String[]::new));
    }

    private void read(Call call, List<Object> reply) {
        for (int j = 0; j < call.entries().size(); j++) {
            Entry entry = call.entries().get(j);
            String status = (String) reply.get(2 * j);
            EventId id = EventId.parse((String) reply.get(2 * j + 1));
            if ("conflict".equals(status)) {
                refused.get(entry.item()).put(entry.user(),
                        MemoryEngine.conflict(items.get(entry.item()).publishId(), id));
            }
            else {
                ids.get(entry.item()).put(entry.user(), id);
            }
        }
    }

    private void refuseAll(Call call, Published.Refusal refusal) {
        for (Entry entry : call.entries()) {
            refused.get(entry.item()).put(entry.user(), refusal);
        }
    }

    /** A cluster's answer to a call whose keys are not all on the node it reached (a slot moved, or is moving). */
    private static boolean misrouted(Throwable error) {
        String message = String.valueOf(error.getMessage());
        return message.startsWith("MOVED") || message.startsWith("ASK") || message.startsWith("TRYAGAIN")
                || message.startsWith("CROSSSLOT") || message.contains("non local key");
    }

    /** Why Redis refused a call: out of memory (store full), or anything else (unavailable, worth a retry). */
    private static Published.Refusal refusal(Throwable error) {
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        if (message.startsWith("OOM") || message.contains("OOM command not allowed")) {
            return new Published.Refusal(Published.Reason.STORE_FULL, "the store is full: Redis is out of memory "
                    + "(maxmemory with noeviction) and refuses writes; nothing was appended");
        }
        return unavailable("Redis failed: " + message + "; publish again with the same publish id");
    }

    private static Published.Refusal unavailable(String message) {
        return new Published.Refusal(Published.Reason.STORE_UNAVAILABLE, message);
    }
}
