package dev.livehub.hub.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of PagePosition, the stream position a layout reads for every page, under
 * hub.page-position.*.
 */
@ConfigurationProperties("hub.page-position")
public class PagePositionProperties {

    /** How long a page waits for its stream position; past it the page renders without one. */
    private Duration timeout = Duration.ofMillis(250);

    /** Pages rendered without a position are logged at most once per this interval. */
    private Duration logInterval = Duration.ofMinutes(1);

    public Duration getTimeout() {
        return timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    public Duration getLogInterval() {
        return logInterval;
    }

    public void setLogInterval(Duration logInterval) {
        this.logInterval = logInterval;
    }
}
