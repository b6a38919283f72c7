package dev.livehub.hub.actuate;

import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

import dev.livehub.hub.Hub;
import dev.livehub.hub.PublishRetries;
import dev.livehub.hub.engine.Engine;

/**
 * The hub's part of {@code /actuator/health} ({@code components.hub}): DOWN while a link to the store fails (Redis's
 * command connection does not answer a {@code PING} within a second, or its pub/sub connection is closed) or live
 * delivery is down; OUT_OF_SERVICE while the node drains; UP otherwise. Details: the engine, each link, live delivery,
 * draining, open streams, publications waiting for the store and given up, and users owed a {@code reset}.
 */
public final class HubHealthIndicator implements HealthIndicator {

    private final Hub hub;

    private final Engine engine;

    private final PublishRetries retries;

    public HubHealthIndicator(Hub hub, Engine engine, PublishRetries retries) {
        this.hub = hub;
        this.engine = engine;
        this.retries = retries;
    }

    @Override
    public Health health() {
        Map<String, Boolean> links = engine.links();
        boolean linksUp = !links.containsValue(false);
        boolean live = hub.isLive();
        Status status = !linksUp || !live ? Status.DOWN : hub.isDraining() ? Status.OUT_OF_SERVICE : Status.UP;
        return Health.status(status)
            .withDetail("engine", engine.getClass().getSimpleName())
            .withDetail("links", links)
            .withDetail("live", live ? "up" : "down")
            .withDetail("draining", hub.isDraining())
            .withDetail("streams", hub.connectionCount())
            .withDetail("publicationsWaiting", retries.waiting())
            .withDetail("publicationsGivenUp", retries.givenUp())
            .withDetail("owedResets", retries.owed())
            .build();
    }
}
