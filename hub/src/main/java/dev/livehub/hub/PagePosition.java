package dev.livehub.hub;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream position a page hands to its stream ({@code AppStream.start({ lastId })}), for a layout that renders
 * every page: it never fails the page. The position is read from the store within a short {@code timeout}; when the
 * store is slow or away the answer is {@code null} ("no position": the page's stream starts where the stream is when
 * it connects), and that is logged at most once per {@code logInterval}, not once per page.
 *
 * <p>Thread-safe.
 */
public final class PagePosition {

    private static final Logger log = LoggerFactory.getLogger(PagePosition.class);

    private final Hub hub;

    private final Duration timeout;

    private final long logIntervalNanos;

    private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - Long.MAX_VALUE / 2);

    private final Executor reads = command -> Thread.ofVirtual().name("hub-page-position").start(command);

    public PagePosition(Hub hub, Duration timeout, Duration logInterval) {
        this.hub = hub;
        this.timeout = timeout;
        this.logIntervalNanos = logInterval.toNanos();
    }

    /** For an application that runs with the hub turned off: every page renders without a position. */
    public static PagePosition off() {
        return new PagePosition(null, Duration.ZERO, Duration.ofDays(1));
    }

    /**
     * The id of the last entry of the user's stream, as text, or {@code null} when {@code user} is {@code null}
     * (nobody signed in), cannot name a stream, or the store did not answer within the timeout. Never throws.
     */
    public String lastId(String user) {
        if (user == null || hub == null) {
            return null;
        }
        CompletableFuture<EventId> read = CompletableFuture.supplyAsync(() -> hub.lastId(user), reads);
        try {
            return read.get(timeout.toMillis(), TimeUnit.MILLISECONDS).toString();
        }
        catch (TimeoutException ex) {
            read.cancel(false);
            unknown("the store did not answer within " + timeout.toMillis() + " ms");
        }
        catch (ExecutionException ex) {
            unknown(String.valueOf(ex.getCause().getMessage()));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    private void unknown(String reason) {
        long now = System.nanoTime();
        long last = lastLogged.get();
        if (now - last >= logIntervalNanos && lastLogged.compareAndSet(last, now)) {
            log.warn("Pages render without their stream position ({}); their streams start where they are when "
                    + "they connect. Logged at most once per {} s", reason, logIntervalNanos / 1_000_000_000L);
        }
    }
}
