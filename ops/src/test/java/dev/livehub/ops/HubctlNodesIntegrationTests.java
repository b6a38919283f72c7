package dev.livehub.ops;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.Publication;
import dev.livehub.hub.console.NodeHeartbeat;
import dev.livehub.hub.engine.RedisEngine;
import dev.livehub.hub.engine.RedisKeys;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What hubctl says about where it works, and how it appends: it names the Redis before it writes and in stats, says
 * when no node has a stream open, appends with the stream settings the nodes report in their heartbeats (and says
 * when none does), shows the newest entries ({@code --last}) and data as JSON values ({@code --data-json}).
 */
class HubctlNodesIntegrationTests {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static final AtomicInteger prefixes = new AtomicInteger();

    private final String prefix = "opsnodes" + prefixes.incrementAndGet();

    private RedisEngine engine;

    private Hub hub;

    private NodeHeartbeat heartbeat;

    @BeforeEach
    void startNode() {
        engine = new RedisEngine(RedisClient.create(redis.uri()), new RedisKeys(prefix),
                new StreamSettings(1000, Duration.ofSeconds(123), Duration.ofMinutes(1)), Duration.ofSeconds(5));
        hub = new Hub(engine, HubSettings.defaults(), new SimpleMeterRegistry());
    }

    @AfterEach
    void stopNode() {
        if (heartbeat != null) {
            heartbeat.close();
        }
        hub.close();
    }

    private HubctlRun hubctl(String... args) {
        List<String> all = new ArrayList<>(List.of("--redis", redis.uri(), "--prefix", prefix));
        all.addAll(List.of(args));
        return HubctlRun.of(all.toArray(String[]::new));
    }

    @Test
    void appendsWithTheNodesSettingsAndSaysWhereItWrites() {
        HubctlRun blind = hubctl("publish", "5", "notif", "{\"n\":0}");
        assertThat(blind.exit()).as(blind.err()).isZero();
        assertThat(blind.err()).startsWith("hubctl: writing to Redis " + redis.host() + ":" + redis.port() + ", prefix "
                + prefix + "\n").contains("no hub node reports its stream settings here");
        assertThat(redis.commands().pttl(prefix + ":{5}:events")).isGreaterThan(Duration.ofHours(23).toMillis());

        heartbeat = new NodeHeartbeat("node-a", hub, engine,
                new StreamSettings(1000, Duration.ofSeconds(123), Duration.ofMinutes(1)), Duration.ofSeconds(1));
        heartbeat.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> redis.commands().exists(prefix + ":node:node-a") == 1);
        // The heartbeat carries the pid that names the node's Redis connections (hub-node:<pid>:<host>).
        assertThat(redis.commands().get(prefix + ":node:node-a")).contains("\"pid\":" + ProcessHandle.current().pid());
        HubctlRun informed = hubctl("publish", "6", "notif", "{\"n\":1}");
        assertThat(informed.exit()).as(informed.err()).isZero();
        assertThat(informed.err()).contains("appending with the nodes' stream settings (node-a): 1000 entries, "
                + "retention 123 s");
        assertThat(redis.commands().pttl(prefix + ":{6}:events")).isBetween(100_000L, 123_000L);

        // Nodes that disagree are named with their settings in words, not as Java records.
        try (NodeHeartbeat other = new NodeHeartbeat("node-b", hub, engine,
                new StreamSettings(500, Duration.ofSeconds(60), Duration.ofMinutes(1)), Duration.ofSeconds(1))) {
            other.start();
            await().atMost(Duration.ofSeconds(5)).until(() -> redis.commands().exists(prefix + ":node:node-b") == 1);
            HubctlRun differ = hubctl("publish", "7", "notif", "{\"n\":2}");
            assertThat(differ.exit()).as(differ.err()).isZero();
            assertThat(differ.err()).contains("the nodes' stream settings differ (", "node-b: 500 entries, retention 60 s")
                .doesNotContain("StreamSettings[");
        }
    }

    @Test
    void statsNamesTheRedisAndSaysWhenNoNodeHasAStreamOpen() {
        hub.publish(List.of("7"), Publication.of("notif", "{}"));
        HubctlRun stats = hubctl("stats");
        assertThat(stats.exit()).as(stats.err()).isZero();
        assertThat(stats.out()).contains("redis          Redis " + redis.host() + ":" + redis.port() + ", prefix "
                + prefix).contains("hub nodes      no node has a stream open").doesNotContain("hub nodes      0");
    }

    @Test
    void inspectShowsTheNewestEntriesAndDataAsJson() {
        for (int i = 1; i <= 5; i++) {
            hub.publish(List.of("9"), Publication.of("crud.update",
                    "{\"model\":\"Task\",\"id\":" + i + ",\"fields\":{\"state\":\"s" + i + "\"}}"));
        }
        HubctlRun last = hubctl("inspect", "9", "--last", "2", "--json", "--data-json");
        assertThat(last.exit()).as(last.err()).isZero();
        List<String> lines = last.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("\"data\":{\"model\":\"Task\",\"id\":4,\"fields\":{\"state\":\"s4\"}}");
        assertThat(lines.get(1)).contains("\"id\":5,");
        assertThat(hubctl("inspect", "9", "--data-json").exit()).isEqualTo(2);
        assertThat(hubctl("inspect", "9", "--last", "0").exit()).isEqualTo(2);
    }
}
