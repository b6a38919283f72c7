package dev.livehub.hub.autoconfigure;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

import dev.livehub.hub.outbox.JdbcOutbox;

/**
 * Sweeps the outbox every {@code hub.outbox.sweep-interval} while the application runs, from its start: so this node
 * finishes what it left before a restart, and what any other node left when it died.
 */
final class OutboxRelay implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    private final JdbcOutbox outbox;

    private final Duration interval;

    private ScheduledExecutorService sweeps;

    private long lastFailureLog;

    OutboxRelay(JdbcOutbox outbox, Duration interval) {
        this.outbox = outbox;
        this.interval = interval;
    }

    @Override
    public synchronized void start() {
        sweeps = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("hub-outbox").factory());
        sweeps.scheduleWithFixedDelay(this::sweep, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sweep() {
        try {
            outbox.relayDue();
        }
        catch (RuntimeException ex) {
            // The database is away: the rows wait in it. One line per minute, not one per sweep.
            long now = System.nanoTime();
            if (lastFailureLog == 0 || now - lastFailureLog > Duration.ofMinutes(1).toNanos()) {
                lastFailureLog = now;
                log.warn("Sweeping the outbox failed ({}); trying again every {} ms", ex.getMessage(),
                        interval.toMillis());
            }
        }
    }

    @Override
    public synchronized void stop() {
        if (sweeps != null) {
            sweeps.shutdownNow();
            sweeps = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return sweeps != null;
    }
}
