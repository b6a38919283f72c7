package dev.livehub.loadtest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One SSE subscriber over a plain socket: {@code HTTP/1.0}, so the body is the raw event stream (no chunking), read on
 * a virtual thread of its own. It checks every event against its user's sequence: received, duplicated, out of
 * order; the gaps at the end are the lost ones. Cheap enough for tens of thousands per process.
 *
 * <p>With a reconnect delay it comes back like a browser's {@code EventSource}: a stream that drops or cannot open is
 * opened again after the delay (plus up to as much jitter), with {@code Last-Event-ID}. With {@link #AS_EVENT_SOURCE}
 * the delay is the last {@code retry:} the server sent ({@value #DEFAULT_RETRY_MILLIS} ms before any), without jitter
 * of its own, exactly what {@code EventSource} does. Whatever it receives over all its connections counts.
 */
final class Subscriber {

    /** A reconnect delay: the server's {@code retry:}, as {@code EventSource} does. */
    static final long AS_EVENT_SOURCE = -2;

    /** The delay before any {@code retry:} was received (browsers wait about 3 s). */
    static final long DEFAULT_RETRY_MILLIS = 3000;

    private final String user;

    private final URI url;

    private final InetSocketAddress source;

    private final Stats stats;

    private final String cookie;

    /** Reconnect this long after a drop, never when -1, after the server's retry when {@link #AS_EVENT_SOURCE}. */
    private final long reconnectMillis;

    /** The last {@code retry:} the server sent, in milliseconds, or -1. */
    private volatile long retryMillis = -1;

    /** Bumped by {@link #close()}: a {@link #run()} of an older generation stops, however late it wakes up. */
    private volatile int generation;

    /** When the stream last dropped (System.nanoTime), or 0 before the first drop. */
    private volatile long droppedAt;

    private final BitSet seen = new BitSet();

    private int highest = -1;

    /** The id of the last event delivered ({@link #position}), guarded by {@code this}. */
    private long[] previous;

    private volatile boolean open;

    private volatile Socket socket;

    /** The id of the last whole event, sent as {@code Last-Event-ID} when the subscriber comes back. */
    private volatile String lastId;

    /** Closed on purpose (the run ends, or a storm takes every subscriber away): not a drop. */
    private volatile boolean closing;

    /** @param cookie the {@code Cookie} header of the user's session, or {@code null} (a token in the URL) */
    Subscriber(String user, URI url, String cookie, InetSocketAddress source, Stats stats, long reconnectMillis) {
        this.user = user;
        this.cookie = cookie;
        this.url = url;
        this.source = source;
        this.stats = stats;
        this.reconnectMillis = reconnectMillis;
    }

    String user() {
        return user;
    }

    boolean isOpen() {
        return open;
    }

    String lastId() {
        return lastId;
    }

    /**
     * Connects and reads until the stream ends or {@link #close()} (with a reconnect delay: until {@link #close()});
     * run it on its own virtual thread.
     */
    void run() {
        int mine = generation;
        closing = false;
        while (true) {
            boolean wasOpen = connectAndRead(droppedAt != 0);
            if (closing || generation != mine || reconnectMillis == -1) {
                return;
            }
            if (wasOpen || droppedAt == 0) {
                // Failed attempts after a drop count towards the time it takes to be back.
                droppedAt = System.nanoTime();
            }
            try {
                Thread.sleep(reconnectDelay());
            }
            catch (InterruptedException ex) {
                return;
            }
            if (closing || generation != mine) {
                return;
            }
        }
    }

    /**
     * As {@code EventSource}: the server's last {@code retry:}; otherwise the fixed delay plus up to as much jitter, so a
     * node's clients do not all come back in one instant.
     */
    private long reconnectDelay() {
        if (reconnectMillis == AS_EVENT_SOURCE) {
            long retry = retryMillis;
            return retry >= 0 ? retry : DEFAULT_RETRY_MILLIS;
        }
        return reconnectMillis + ThreadLocalRandom.current().nextLong(reconnectMillis + 1);
    }

    /** One connection, read until it ends; true when it was open (answered 200). */
    private boolean connectAndRead(boolean again) {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            socket = s;
            if (source != null) {
                s.bind(source);
            }
            s.connect(new InetSocketAddress(url.getHost(), url.getPort()), 10_000);
            OutputStream out = s.getOutputStream();
            String target = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
            String resume = (lastId == null ? "" : "Last-Event-ID: " + lastId + "\r\n")
                    + (cookie == null ? "" : "Cookie: " + cookie + "\r\n");
            out.write(("GET " + target + " HTTP/1.0\r\nHost: " + url.getHost() + "\r\nAccept: text/event-stream\r\n"
                    + resume + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            read(s.getInputStream(), start, again);
            // The server ended the stream (or closed before answering).
            boolean wasOpen = open;
            if (!closing) {
                (wasOpen ? stats.dropped : stats.failedConnects).increment();
            }
            return wasOpen;
        }
        catch (IOException ex) {
            boolean wasOpen = open;
            if (!closing) {
                if (wasOpen) {
                    stats.dropped.increment();
                }
                else {
                    stats.failedConnects.increment();
                }
            }
            return wasOpen;
        }
        finally {
            open = false;
        }
    }

    private void read(InputStream in, long start, boolean again) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        StringBuilder line = new StringBuilder();
        StringBuilder data = new StringBuilder();
        String id = null;
        boolean headers = true;
        boolean status = true;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            String chunk = new String(buffer, 0, n, StandardCharsets.UTF_8);
            for (int i = 0; i < chunk.length(); i++) {
                char c = chunk.charAt(i);
                if (c == '\r') {
                    continue;
                }
                if (c != '\n') {
                    line.append(c);
                    continue;
                }
                String text = line.toString();
                line.setLength(0);
                if (headers) {
                    if (status) {
                        status = false;
                        if (!text.contains(" 200")) {
                            throw new IOException("refused: " + text);
                        }
                        open = true;
                        stats.connectTime.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
                        stats.connected.increment();
                        if (again) {
                            stats.reconnected.increment();
                            stats.reconnectTime.recordValue(Math.max(1, (System.nanoTime() - droppedAt) / 1000));
                        }
                    }
                    else if (text.isEmpty()) {
                        headers = false;
                    }
                }
                else if (text.isEmpty()) {
                    if (!data.isEmpty()) {
                        onData(data.toString(), id);
                        data.setLength(0);
                    }
                    if (id != null) {
                        lastId = id;
                        id = null;
                    }
                }
                else if (text.startsWith("retry:")) {
                    String value = text.substring(6).trim();
                    if (!value.isEmpty() && value.chars().allMatch(Character::isDigit) && value.length() < 10) {
                        retryMillis = Long.parseLong(value);
                    }
                }
                else if (text.startsWith("id:")) {
                    id = text.substring(text.startsWith("id: ") ? 4 : 3);
                }
                else if (text.startsWith("data:")) {
                    if (!data.isEmpty()) {
                        data.append('\n');
                    }
                    data.append(text, text.startsWith("data: ") ? 6 : 5, text.length());
                }
            }
        }
    }

    /**
     * {@code {"seq":<n>,"t":<epoch µs>,...}}: anything else (ready, reset) is not a published event. An event whose
     * {@code id} is not above the previous event's on this subscriber (across reconnects) is out of order: the server
     * broke its stream's order. (Seqs say nothing of order: each is published on its own thread, so two publishes of
     * one user may reach the server in either order.)
     */
    void onData(String json, String eventId) {
        int seqAt = json.indexOf("\"seq\":");
        int tAt = json.indexOf("\"t\":");
        if (seqAt < 0 || tAt < 0) {
            return;
        }
        int seq = (int) number(json, seqAt + 6);
        long sent = number(json, tAt + 4);
        stats.delivered(sent, Clock.micros() - sent);
        stats.received.increment();
        synchronized (this) {
            if (seen.get(seq)) {
                stats.duplicated.increment();
                return;
            }
            seen.set(seq);
            long[] position = position(eventId);
            if (position != null) {
                if (previous != null && compare(position, previous) <= 0) {
                    stats.outOfOrder.increment();
                }
                previous = position;
            }
            highest = Math.max(highest, seq);
        }
    }

    /**
     * An event id's two numbers: {@code <ms>-<seq>} (the hub, Redis stream ids) or {@code <time>:<tag>} (Nchan); null
     * for anything else, which is then not checked.
     */
    static long[] position(String eventId) {
        if (eventId == null) {
            return null;
        }
        // The first part 1 to 18 digits, the second 1 to 17: each fits a long.
        int split = digitsFrom(eventId, 0);
        if (split < 1 || split > 18 || split == eventId.length()) {
            return null;
        }
        int end = digitsFrom(eventId, split + 1);
        if (end == split + 1 || end - split > 18) {
            return null;
        }
        return new long[] { Long.parseLong(eventId, 0, split, 10), Long.parseLong(eventId, split + 1, end, 10) };
    }

    /** Where the run of ASCII digits that starts at {@code from} ends. */
    private static int digitsFrom(String text, int from) {
        int end = from;
        while (end < text.length() && text.charAt(end) >= '0' && text.charAt(end) <= '9') {
            end++;
        }
        return end;
    }

    private static int compare(long[] a, long[] b) {
        return a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]);
    }

    /**
     * How many of the owed seqs this subscriber has. With {@code records} > 0 (compaction: seq {@code s} is a state of
     * record {@code s % records}), a seq counts when this subscriber has it or a later state of the same record. One
     * pass over the seqs seen from the lowest owed one: the storm asks every 20 ms of every subscriber still behind,
     * on the machine under test, and a walk over each unseen seq's later states cost the generator a share of a core
     * that replay's check does not.
     */
    synchronized int received(int[] owed, int records) {
        int count = 0;
        if (records <= 0) {
            for (int seq : owed) {
                if (seen.get(seq)) {
                    count++;
                }
            }
            return count;
        }
        int lowest = Integer.MAX_VALUE;
        for (int seq : owed) {
            lowest = Math.min(lowest, seq);
        }
        int[] latest = new int[records];
        java.util.Arrays.fill(latest, -1);
        for (int seq = seen.nextSetBit(Math.max(lowest, 0)); seq >= 0; seq = seen.nextSetBit(seq + 1)) {
            latest[seq % records] = seq;
        }
        for (int seq : owed) {
            if (latest[seq % records] >= seq) {
                count++;
            }
        }
        return count;
    }

    void close() {
        generation++;
        closing = true;
        open = false;
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            }
            catch (IOException ex) {
                // closing anyway
            }
        }
    }

    private static long number(String text, int from) {
        long value = 0;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                break;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
