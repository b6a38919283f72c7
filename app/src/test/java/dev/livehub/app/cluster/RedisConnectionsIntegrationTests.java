package dev.livehub.app.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.livehub.app.AppClient;
import dev.livehub.app.AppNode;
import dev.livehub.hub.Hub;
import dev.livehub.hub.Publication;
import dev.livehub.hub.testing.RedisServerExtension;
import dev.livehub.hub.testing.SseClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node's Redis connections do not grow with its browsers: one for commands, two for catch-up reads (so a long
 * backlog never queues a publish), one for pub/sub, one for sessions. The hub's commands on them are counted by Spring
 * Boot's Lettuce metrics like the application's own.
 */
class RedisConnectionsIntegrationTests {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @Test
    void twoHundredStreamsHoldAtMostFiveRedisConnections() throws Exception {
        try (AppNode node = AppNode.onRedis(redis.port(), Map.of("hub.max-connections-per-user", "100", "hub.connect-rate.burst", "1000"))) {
            List<AppClient> users = List.of(AppClient.signedIn(node.url(), "alice"),
                    AppClient.signedIn(node.url(), "bob"), AppClient.signedIn(node.url(), "admin"));
            List<SseClient> streams = new ArrayList<>();
            try {
                for (int i = 0; i < 200; i++) {
                    SseClient stream = users.get(i % users.size()).stream();
                    assertThat(stream.status()).isEqualTo(200);
                    streams.add(stream);
                }
                for (SseClient stream : streams) {
                    stream.events().awaitFirst("ready", Duration.ofSeconds(10));
                }
                assertThat(node.bean(Hub.class).connectionCount()).isEqualTo(200);
                String clients = redis.commands().clientList();
                // Every client but the one this test lists with belongs to the node.
                long nodeConnections = Arrays.stream(clients.split("\n"))
                    .filter(line -> !line.isBlank() && !line.contains("cmd=client|list")).count();
                assertThat(nodeConnections).as(clients).isBetween(2L, 5L);
                assertThat(clients).contains("name=hub-node:");
            }
            finally {
                streams.forEach(SseClient::close);
            }
        }
    }

    /**
     * The hub's connections are opened on the client of Boot's {@code LettuceConnectionFactory}, whose
     * {@code ClientResources} carry Boot's Lettuce observations: the timer {@code lettuce} (Prometheus
     * {@code lettuce_seconds}), one series per command in {@code db.operation}.
     */
    @Test
    void bootsLettuceMetricsCountTheHubsCommands() throws Exception {
        try (AppNode node = AppNode.onRedis(redis.port(), Map.of())) {
            MeterRegistry meters = node.bean(MeterRegistry.class);
            try (SseClient stream = AppClient.signedIn(node.url(), "alice").stream()) {
                assertThat(stream.status()).isEqualTo(200);
                stream.events().awaitFirst("ready", Duration.ofSeconds(10));
                node.bean(Hub.class).publish(List.of("metrics-check"), Publication.of("notif", "{}"));
            }
            // SSUBSCRIBE: the stream's bell; EVALSHA: the catch-up read and the publish's append (scripts only the
            // hub runs). A timer's count is kept when the observation stops, after the reply: await it.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                for (String command : new String[] { "EVALSHA", "SSUBSCRIBE" }) {
                    Timer timer = meters.find("lettuce").tag("db.operation", command).timer();
                    assertThat(timer).as("Boot's Lettuce timer for %s", command).isNotNull();
                    assertThat(timer.count()).as("%s counted", command).isPositive();
                }
            });
        }
    }
}
