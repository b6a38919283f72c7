package dev.livehub.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

import dev.livehub.hub.VirtualThreadCarriers;
import dev.livehub.hub.autoconfigure.HubProperties;

/**
 * The hub as a service of its own, for a backend that is not Java (Laravel, Rails, Django) behind the same nginx:
 * browsers open {@code /stream/app} with a subscriber token the backend signs, and the backend publishes with
 * {@code FCALL hub_publish} in Redis or {@code POST /hub/publish}. Everything is {@code hub.*} configuration.
 */
@SpringBootApplication
public class HubServer {

    private static final Logger log = LoggerFactory.getLogger(HubServer.class);

    private final HubProperties properties;

    HubServer(HubProperties properties) {
        this.properties = properties;
    }

    public static void main(String[] args) {
        VirtualThreadCarriers.raise();
        SpringApplication.run(HubServer.class, args);
    }

    /** Says at startup what a misconfigured server would otherwise only show as 401s and 404s. */
    @EventListener(ApplicationReadyEvent.class)
    void explain() {
        if (!properties.getToken().isEnabled()) {
            log.warn("No subscriber tokens configured: /stream/app answers 401 to everyone. Set hub.token.secret "
                    + "(HUB_TOKEN_SECRET, HS256) or hub.token.public-key (RS256/ES256).");
        }
        if (properties.getPublish().getToken() == null || properties.getPublish().getToken().isBlank()) {
            log.info("POST /hub/publish is off (set hub.publish.token to turn it on)"
                    + (properties.getEngine() == HubProperties.EngineType.REDIS
                            ? "; publishers use FCALL hub_publish in Redis" : ""));
        }
    }
}
