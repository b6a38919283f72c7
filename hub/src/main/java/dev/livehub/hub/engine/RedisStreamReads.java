package dev.livehub.hub.engine;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;

import dev.livehub.hub.EventId;
import dev.livehub.hub.HubEvent;

/**
 * {@link Engine#read} on Redis with its own commands, no script: {@code XRANGE key from + COUNT n} then
 * {@code XINFO STREAM key}, sent together on one connection (pipelined) and answered in that order, each reply decoded
 * straight into what the hub keeps.
 *
 * <p>Why not a script: a script's {@code XRANGE} reply is converted into Lua tables and its result back again, which
 * is most of its cost. 100 entries of about 80 bytes: {@code read.lua} (its {@code XINFO}, its {@code XRANGE} in
 * chunks, a flat reply) took Redis 146 us a call; the two commands 32 us ({@code INFO commandstats}, Redis 7.0).
 * And Lettuce's generic decoding of a reply (a {@code List} of {@code String}s, each through a wrapped buffer) was the
 * largest part of the hub's own CPU in a storm of catch-ups; here each entry becomes a {@link HubEvent} as its bytes
 * arrive, and fields other than {@code event} and {@code data} are skipped undecoded.
 *
 * <p>Not atomic, and need not be: {@code XINFO} answers after the {@code XRANGE}, so the last id it gives is at or
 * after every entry read, and entries removed in between can only make the read look trimmed (a {@code reset},
 * never a gap: {@code Resume}). A missing stream ({@code XINFO}'s "no such key") reads as {@link StreamSlice#empty()}.
 *
 * <p>The byte bound ({@link Engine#READ_BYTES}): a read asks for {@link #PROBE} entries first (at most
 * {@code PROBE} x 64 KB, {@code Publication.MAX_DATA_BYTES}); only when those were all read and small does it ask for
 * the rest, as many as fit the bound at the size of the largest seen, in a second round trip. A reply is cut after the
 * entry that reaches the bound (at least two entries kept, the cursor's and the next, so a catch-up always moves on).
 */
final class RedisStreamReads {

    /** Entries asked for first: bounded by size however large they are, and a whole backlog of a short absence. */
    static final int PROBE = 16;

    private RedisStreamReads() {
    }

    /**
     * The slice of {@code key} from {@code from}, inclusive, as {@link Engine#read} gives it; {@code limit} 0 reads
     * only the stream's position. Completes on a Lettuce I/O thread.
     */
    static CompletionStage<StreamSlice> read(RedisClusterAsyncCommands<String, String> commands, String key,
            EventId from, int limit) {
        if (limit <= 0) {
            return info(commands, key).thenApply(info -> info.slice(List.of()));
        }
        int first = Math.min(limit, PROBE);
        CompletionStage<Entries> probe = range(commands, key, from.toString(), first, Engine.READ_BYTES, 2);
        CompletionStage<Info> probeInfo = info(commands, key);
        return probe.thenCombine(probeInfo, Round::new).thenCompose(round -> {
            Entries entries = round.entries();
            int count = entries.events().size();
            boolean more = count == first && count < limit && !entries.full()
                    && !entries.events().getLast().id().equals(round.info().last());
            if (!more) {
                return CompletableFuture.completedFuture(round.info().slice(entries.events()));
            }
            long room = Engine.READ_BYTES - entries.bytes();
            int rest = (int) Math.min(limit - count, Math.max(1, room / Math.max(1, entries.largest())));
            String after = "(" + entries.events().getLast().id();
            return range(commands, key, after, rest, room, 1).thenCombine(info(commands, key), (next, info) -> {
                List<HubEvent> all = new ArrayList<>(count + next.events().size());
                all.addAll(entries.events());
                all.addAll(next.events());
                return info.slice(all);
            });
        });
    }

    private record Round(Entries entries, Info info) {
    }

    private static CompletionStage<Entries> range(RedisClusterAsyncCommands<String, String> commands, String key,
            String from, int count, long budget, int keep) {
        EntriesOutput output = new EntriesOutput(budget, keep);
        return commands.dispatch(CommandType.XRANGE, output,
                new CommandArgs<>(StringCodec.UTF8).addKey(key).add(from).add("+").add("COUNT").add(count));
    }

    private static CompletionStage<Info> info(RedisClusterAsyncCommands<String, String> commands, String key) {
        return commands.dispatch(CommandType.XINFO, new InfoOutput(),
                new CommandArgs<>(StringCodec.UTF8).add("STREAM").addKey(key))
            .exceptionallyCompose(error -> {
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                // XINFO STREAM of a key that does not exist: "ERR no such key" (a stream expires when unused).
                if (cause instanceof RedisCommandExecutionException && String.valueOf(cause.getMessage())
                    .contains("no such key")) {
                    return CompletableFuture.completedFuture(Info.MISSING);
                }
                return CompletableFuture.failedFuture(cause);
            });
    }

    /** What {@code XINFO STREAM} says that a read needs. */
    record Info(EventId last, boolean headRemoved) {

        static final Info MISSING = new Info(EventId.ZERO, false);

        StreamSlice slice(List<HubEvent> entries) {
            if (last == null) {
                throw new EngineException("Redis answered XINFO STREAM without last-generated-id and length", null);
            }
            return new StreamSlice(last, headRemoved, entries);
        }
    }

    /**
     * Entries of one {@code XRANGE} reply, cut at the byte bound.
     *
     * @param bytes event names and data of the entries kept, in bytes
     * @param largest the largest entry kept, in bytes
     * @param full whether the reply had entries after the bound (not kept)
     */
    record Entries(List<HubEvent> events, long bytes, int largest, boolean full) {
    }

    /**
     * Decodes an {@code XRANGE} reply (an array of entries, each an id and a flat array of field names and values) into
     * {@link HubEvent}s: the last {@code event} and {@code data} fields of each (a field twice: the last counts, as in
     * a hash), a missing one read as the SSE default ({@code message}, empty data). Called on one I/O thread.
     */
    static final class EntriesOutput extends CommandOutput<String, String, Entries> {

        private static final byte[] EVENT = "event".getBytes(StandardCharsets.US_ASCII);

        private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);

        private final long budget;

        private final int keep;

        private final List<HubEvent> events = new ArrayList<>();

        private String id;

        private String event;

        private String data;

        /** The next value belongs to: 1 {@code event}, 2 {@code data}, 0 another field; -1 a name comes next. */
        private int field = -1;

        private long bytes;

        private int eventBytes;

        private int dataBytes;

        private int largest;

        private boolean full;

        /** Cut after the entry that reaches {@code budget} bytes, once at least {@code keep} entries are kept. */
        EntriesOutput(long budget, int keep) {
            super(StringCodec.UTF8, null);
            this.budget = budget;
            this.keep = keep;
        }

        @Override
        public void set(ByteBuffer value) {
            if (id == null) {
                id = value == null ? null : utf8(value);
                return;
            }
            if (field < 0) {
                field = value == null ? 0 : is(value, EVENT) ? 1 : is(value, DATA) ? 2 : 0;
                return;
            }
            if (!full && value != null && field == 1) {
                eventBytes = value.remaining();
                event = utf8(value);
            }
            else if (!full && value != null && field == 2) {
                dataBytes = value.remaining();
                data = utf8(value);
            }
            field = -1;
        }

        @Override
        public void complete(int depth) {
            // depth 1: an entry (id and fields) of the top-level array is whole.
            if (depth != 1 || id == null) {
                return;
            }
            if (!full) {
                events.add(new HubEvent(EventId.parse(id), event == null ? "message" : event, data == null ? "" : data));
                bytes += eventBytes + dataBytes;
                largest = Math.max(largest, eventBytes + dataBytes);
                full = bytes >= budget && events.size() >= keep;
            }
            id = null;
            event = null;
            data = null;
            eventBytes = 0;
            dataBytes = 0;
            field = -1;
        }

        @Override
        public Entries get() {
            return new Entries(events, bytes, largest, full);
        }

        private static boolean is(ByteBuffer value, byte[] name) {
            if (value.remaining() != name.length) {
                return false;
            }
            for (int i = 0; i < name.length; i++) {
                if (value.get(value.position() + i) != name[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Decodes {@code XINFO STREAM}'s top-level pairs (an array in RESP2, a map in RESP3), skipping nested values (its
     * first and last entries) undecoded: {@code last-generated-id}, and whether {@code entries-added} exceeds
     * {@code length} (entries were trimmed: {@code XADD MAXLEN} leaves {@code max-deleted-entry-id} at {@code 0-0}).
     */
    static final class InfoOutput extends CommandOutput<String, String, Info> {

        /** Aggregates open: 1 inside the top level. */
        private int open;

        /** A nested value opened at the top level: its end is the value of the pending name. */
        private boolean nested;

        private String name;

        private String last;

        private long added = -1;

        private long length = -1;

        InfoOutput() {
            super(StringCodec.UTF8, null);
        }

        @Override
        public void multi(int count) {
            if (open == 1 && name != null) {
                nested = true;
            }
            open++;
        }

        @Override
        public void complete(int depth) {
            if (nested && depth == 1) {
                nested = false;
                name = null;
            }
            open = depth;
        }

        @Override
        public void set(ByteBuffer value) {
            if (open != 1) {
                return;
            }
            if (name == null) {
                name = value == null ? "" : utf8(value);
                return;
            }
            switch (name) {
                case "last-generated-id" -> last = value == null ? null : utf8(value);
                case "entries-added" -> added = value == null ? -1 : Long.parseLong(utf8(value));
                case "length" -> length = value == null ? -1 : Long.parseLong(utf8(value));
                default -> { }
            }
            name = null;
        }

        @Override
        public void set(long value) {
            if (open != 1 || name == null) {
                return;
            }
            switch (name) {
                case "entries-added" -> added = value;
                case "length" -> length = value;
                default -> { }
            }
            name = null;
        }

        @Override
        public void set(double value) {
            name = open == 1 ? null : name;
        }

        @Override
        public void set(boolean value) {
            name = open == 1 ? null : name;
        }

        @Override
        public Info get() {
            // Checked where the read completes (Info.slice), not on the I/O thread.
            return new Info(last == null || length < 0 ? null : EventId.parse(last), added > length);
        }
    }

    private static String utf8(ByteBuffer value) {
        byte[] bytes = new byte[value.remaining()];
        value.get(value.position(), bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
