package dev.livehub.hub;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recipients no stream can belong to (a user id that is {@code null}, empty or over
 * {@value Publication#MAX_USER_ID_LENGTH} characters: Spring Security accepts a principal name of any length, the hub
 * admits none of these): {@link CrudBus} skips them and delivers to the others, because one odd name in an audience
 * must not fail the caller's transaction and roll back a change made for everybody. Counted
 * ({@code hub.publish.users.skipped}) and logged at WARN at most once a minute, with the number skipped meanwhile.
 * Thread-safe.
 */
final class SkippedRecipients {

    private static final Logger log = LoggerFactory.getLogger(CrudBus.class);

    private static final long WARN_EVERY = TimeUnit.MINUTES.toNanos(1);

    private final Counter counter;

    private final AtomicLong lastWarn = new AtomicLong(System.nanoTime() - WARN_EVERY);

    private final AtomicLong sinceWarn = new AtomicLong();

    /** @param counter where skipped recipients are counted, or {@code null} for nowhere (a bus with no hub) */
    SkippedRecipients(Counter counter) {
        this.counter = counter;
    }

    /** {@code users} without the ones no stream can belong to, in their order. */
    List<String> addressable(Collection<String> users, String event) {
        List<String> addressable = new ArrayList<>(users.size());
        String skipped = null;
        int count = 0;
        for (String user : users) {
            if (Publication.isUserId(user)) {
                addressable.add(user);
            }
            else {
                skipped = user;
                count++;
            }
        }
        if (count > 0) {
            skipped(count, skipped, event);
        }
        return addressable;
    }

    private void skipped(int count, String example, String event) {
        if (counter != null) {
            counter.increment(count);
        }
        long total = sinceWarn.addAndGet(count);
        long now = System.nanoTime();
        long last = lastWarn.get();
        if (now - last >= WARN_EVERY && lastWarn.compareAndSet(last, now)) {
            sinceWarn.addAndGet(-total);
            log.warn("Skipped {} recipient(s) no stream can belong to (a user id has 1 to {} characters), for example "
                    + "{} in '{}'; the others were published to. Next warning in a minute at the earliest",
                    total, Publication.MAX_USER_ID_LENGTH, EventId.abbreviate(example), event);
        }
    }
}
