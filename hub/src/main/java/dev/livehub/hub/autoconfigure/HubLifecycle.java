package dev.livehub.hub.autoconfigure;

import org.springframework.context.SmartLifecycle;

import dev.livehub.hub.Hub;

/**
 * Drains the open streams when the application stops (SIGTERM), spread over {@code hub.drain-window}, before the web server's graceful shutdown starts waiting for
 * requests to finish: an SSE stream never finishes on its own, so without this a shutdown waits its whole timeout.
 * (Lifecycles stop in decreasing phase order; the web server's graceful shutdown runs in a lower phase.)
 */
final class HubLifecycle implements SmartLifecycle {

    private final Hub hub;

    private final java.time.Duration drainWindow;

    private volatile boolean running;

    HubLifecycle(Hub hub, java.time.Duration drainWindow) {
        this.hub = hub;
        this.drainWindow = drainWindow;
    }

    @Override
    public void start() {
        // Started again after a stop (a context restarted): take streams again.
        hub.resume();
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        hub.drain(drainWindow);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }
}
