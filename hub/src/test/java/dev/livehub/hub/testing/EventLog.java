package dev.livehub.hub.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The events one client received, in order, with waits on conditions (never sleeps).
 */
public final class EventLog {

    private final List<SseEvent> events = new ArrayList<>();

    public synchronized void add(SseEvent event) {
        events.add(event);
        notifyAll();
    }

    public synchronized List<SseEvent> all() {
        return List.copyOf(events);
    }

    /** Events other than the hub's own {@code ready}/{@code reset}. */
    public synchronized List<SseEvent> published() {
        return events.stream().filter(e -> !e.event().equals("ready") && !e.event().equals("reset")).toList();
    }

    /** Waits until {@code count} events match, and returns all events so far. */
    public synchronized List<SseEvent> await(Predicate<SseEvent> match, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (events.stream().filter(match).count() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("waited " + timeout.toMillis() + " ms for " + count
                        + " matching events; got " + new ArrayList<>(events));
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", ex);
            }
        }
        return List.copyOf(events);
    }

    public SseEvent awaitFirst(String eventName, Duration timeout) {
        return await(e -> e.event().equals(eventName), 1, timeout).stream()
            .filter(e -> e.event().equals(eventName))
            .findFirst()
            .orElseThrow();
    }

    /** Waits for {@code count} published events and returns them. */
    public List<SseEvent> awaitPublished(int count, Duration timeout) {
        await(e -> !e.event().equals("ready") && !e.event().equals("reset"), count, timeout);
        return published();
    }
}
