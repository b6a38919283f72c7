package dev.livehub.hub.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.ToIntFunction;

import io.lettuce.core.ScriptOutputType;

import dev.livehub.hub.Addressed;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Published;

/**
 * One {@link Engine#append(List)} on Redis: the entries (a user and a publication each) grouped by where they may run
 * together (all of them on one Redis server; one hash slot on a Redis Cluster), cut into calls of at most
 * {@link #ENTRIES_PER_CALL} entries, every call of {@code append.lua} sent at once (pipelined), then each user's
 * outcome read back. One event to 1,000 users on one Redis is 4 calls, not 1,000.
 */
final class RedisAppends {

    /** Entries per script call: a call blocks Redis while it runs, so a huge fan-out is cut into several. */
    static final int ENTRIES_PER_CALL = 250;

    /** What one publication appends: its event, data and publish id ({@code null}: none kept, a reset). */
    private record Item(String event, String data, String publishId) {
    }

    /** One user's entry: the index of its item, and the user. */
    private record Entry(int publication, String user) {
    }

    private record Call(List<Entry> entries, CompletionStage<List<Object>> reply) {
    }

    private final RedisKeys keys;

    private final StreamSettings settings;

    private RedisAppends(RedisKeys keys, StreamSettings settings) {
        this.keys = keys;
        this.settings = settings;
    }

    /**
     * Appends as {@link Engine#append(List)} says.
     *
     * @param group which entries may share a call, by stream key (0 for all on a single server, the slot on a
     *        cluster)
     * @param timeoutMillis how long to wait for all the calls
     */
    static List<Published> append(RedisScript script, RedisLink link, RedisKeys keys, StreamSettings settings,
            ToIntFunction<String> group, List<Addressed> publications, long timeoutMillis) {
        return new RedisAppends(keys, settings).run(script, link, group, publications, timeoutMillis);
    }

    /** A reset entry: no publish id, so it is always appended. */
    static CompletionStage<List<Object>> appendReset(RedisScript script, RedisLink link, RedisKeys keys,
            StreamSettings settings, String user, String data) {
        return new RedisAppends(keys, settings).call(script, link, List.of(new Item("reset", data, null)),
                List.of(new Entry(0, user)));
    }

    private List<Published> run(RedisScript script, RedisLink link, ToIntFunction<String> group,
            List<Addressed> publications, long timeoutMillis) {
        Map<Integer, List<Entry>> groups = new LinkedHashMap<>();
        for (int p = 0; p < publications.size(); p++) {
            for (String user : publications.get(p).users()) {
                groups.computeIfAbsent(group.applyAsInt(keys.stream(user)), slot -> new ArrayList<>())
                    .add(new Entry(p, user));
            }
        }
        List<Item> all = publications.stream()
            .map(Addressed::publication)
            .map(publication -> new Item(publication.event(), publication.data(), publication.publishId()))
            .toList();
        List<Call> calls = new ArrayList<>();
        for (List<Entry> entries : groups.values()) {
            for (int from = 0; from < entries.size(); from += ENTRIES_PER_CALL) {
                List<Entry> chunk = entries.subList(from, Math.min(entries.size(), from + ENTRIES_PER_CALL));
                calls.add(new Call(chunk, call(script, link, all, chunk)));
            }
        }
        List<Map<String, EventId>> ids = new ArrayList<>();
        List<Map<String, Published.Refusal>> refused = new ArrayList<>();
        for (Addressed addressed : publications) {
            ids.add(new LinkedHashMap<>());
            refused.add(new LinkedHashMap<>());
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (Call call : calls) {
            List<Object> reply;
            try {
                reply = call.reply().toCompletableFuture().get(Math.max(0, deadline - System.nanoTime()),
                        TimeUnit.NANOSECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                reply = null;
                refuseAll(call, refused, unavailable("interrupted while waiting for Redis"));
            }
            catch (ExecutionException ex) {
                reply = null;
                refuseAll(call, refused, refusal(ex.getCause()));
            }
            catch (TimeoutException ex) {
                reply = null;
                refuseAll(call, refused, unavailable("Redis did not answer within " + timeoutMillis
                        + " ms; it may still append: publish again with the same publish id"));
            }
            if (reply != null) {
                read(call, reply, publications, ids, refused);
            }
        }
        List<Published> results = new ArrayList<>(publications.size());
        for (int p = 0; p < publications.size(); p++) {
            Addressed addressed = publications.get(p);
            Map<String, EventId> inOrder = new LinkedHashMap<>();
            Map<String, Published.Refusal> refusedInOrder = new LinkedHashMap<>();
            for (String user : addressed.users()) {
                if (ids.get(p).containsKey(user)) {
                    inOrder.put(user, ids.get(p).get(user));
                }
                else {
                    refusedInOrder.put(user, refused.get(p).get(user));
                }
            }
            results.add(new Published(addressed.publication().publishId(), inOrder, refusedInOrder));
        }
        return results;
    }

    /**
     * Sends one call of {@code append.lua}: three keys per entry, the items it uses once each.
     *
     * @param all the items that the entries' indexes point into
     */
    private CompletionStage<List<Object>> call(RedisScript script, RedisLink link, List<Item> all,
            List<Entry> entries) {
        Map<Integer, Integer> local = new LinkedHashMap<>();
        for (Entry entry : entries) {
            local.putIfAbsent(entry.publication(), local.size() + 1);
        }
        String[] scriptKeys = new String[entries.size() * 3];
        List<String> args = new ArrayList<>(4 + local.size() * 2 + entries.size());
        args.add(Integer.toString(settings.maxEntries()));
        args.add(Long.toString(settings.retention().toMillis()));
        args.add(Long.toString(settings.dedupeWindow().toMillis()));
        args.add(Integer.toString(local.size()));
        for (int p : local.keySet()) {
            args.add(all.get(p).event());
            args.add(all.get(p).data());
        }
        for (int j = 0; j < entries.size(); j++) {
            Entry entry = entries.get(j);
            String stream = keys.stream(entry.user());
            scriptKeys[3 * j] = stream;
            String publishId = all.get(entry.publication()).publishId();
            // The stream key in the publish id's place keeps no publish id (append.lua).
            scriptKeys[3 * j + 1] = publishId == null ? stream : keys.publishId(entry.user(), publishId);
            scriptKeys[3 * j + 2] = keys.bell(entry.user());
            args.add(Integer.toString(local.get(entry.publication())));
        }
        return script.run(link.scripting(), ScriptOutputType.MULTI, scriptKeys, args.toArray(String[]::new));
    }

    private static void read(Call call, List<Object> reply, List<Addressed> publications,
            List<Map<String, EventId>> ids, List<Map<String, Published.Refusal>> refused) {
        for (int j = 0; j < call.entries().size(); j++) {
            Entry entry = call.entries().get(j);
            String status = (String) reply.get(2 * j);
            EventId id = EventId.parse((String) reply.get(2 * j + 1));
            if ("conflict".equals(status)) {
                refused.get(entry.publication()).put(entry.user(),
                        MemoryEngine.conflict(publications.get(entry.publication()).publication().publishId(), id));
            }
            else {
                ids.get(entry.publication()).put(entry.user(), id);
            }
        }
    }

    private static void refuseAll(Call call, List<Map<String, Published.Refusal>> refused,
            Published.Refusal refusal) {
        for (Entry entry : call.entries()) {
            refused.get(entry.publication()).put(entry.user(), refusal);
        }
    }

    /** Why Redis refused a call: out of memory (store full), or anything else (unavailable, worth a retry). */
    static Published.Refusal refusal(Throwable error) {
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
