package dev.livehub.hub.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.livehub.hub.Cursor;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.Publication;
import dev.livehub.hub.Published;
import dev.livehub.hub.testing.CommandStats;
import dev.livehub.hub.testing.RecordingOutput;
import dev.livehub.hub.testing.RedisClusterExtension;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The engine contract on a real Redis Cluster (three masters, a replica each), and a failover: the master of a user's
 * slot is killed, its replica takes over, the nodes resubscribe and catch up, and cursors the new master does not
 * have get a reset, never silence.
 */
class RedisClusterEngineIntegrationTests extends EngineContract {

    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    private static final AtomicInteger tests = new AtomicInteger();

    private final String prefix = "c" + tests.incrementAndGet();

    @Override
    protected Engine newEngine(StreamSettings settings) {
        return new RedisEngine(RedisClusterClient.create(RedisURI.create("redis://" + cluster.seed())),
                new RedisKeys(prefix), settings, Duration.ofSeconds(5));
    }

    @Override
    protected int trimSlack() {
        return 100;
    }

    private static List<String> data(List<SseEvent> events) {
        return events.stream().map(SseEvent::data).toList();
    }

    @Test
    void oneEventToAThousandUsersIsAFewScriptCallsPerNodeNotOnePerUser() {
        long calls = PublishContract.scriptCallsOfAFanOut(hub(StreamSettings.defaults()), "spread",
                RedisClusterEngineIntegrationTests::scriptCalls);

        // Three masters, about 333 users each: two calls of at most 250 entries per master.
        assertThat(calls).isBetween(3L, 9L);
    }

    /** EVAL and EVALSHA calls on every node of the cluster, from INFO commandstats. */
    private static long scriptCalls() {
        long calls = 0;
        for (int port : cluster.ports()) {
            RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
            try (var connection = client.connect()) {
                calls += CommandStats.scriptCalls(connection.sync().info("commandstats"));
            }
            catch (RuntimeException ex) {
                // A node a failover test killed answers nothing: it runs no calls either.
            }
            finally {
                client.shutdown();
            }
        }
        return calls;
    }

    @Test
    void hubPublishIsLoadedOnEveryMasterAndOneCallReachesTheUsersNode() throws Exception {
        Hub node = hub(StreamSettings.defaults());
        RecordingOutput browser = new RecordingOutput();
        node.connect("php-user", Cursor.none(), browser);
        browser.events().awaitFirst("ready", Duration.ofSeconds(10));
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create("redis://" + cluster.seed()));
        try (var connection = client.connect()) {
            for (String user : List.of("php-user", "a", "b", "c", "d")) {
                // Users of every shard: each master must have the function.
                String id = connection.sync().fcall("hub_publish", io.lettuce.core.ScriptOutputType.VALUE,
                        new String[] { prefix + ":{" + user + "}:events" }, "crud.update", "{\"to\":\"" + user + "\"}");
                assertThat(EventId.parse(id)).isNotNull();
            }
        }
        finally {
            client.shutdown();
        }
        assertThat(data(browser.events().awaitPublished(1, Duration.ofSeconds(10))))
            .containsExactly("{\"to\":\"php-user\"}");
    }

    /**
     * As on one Redis server: an engine on the application's own cluster client names its connections
     * {@code hub-node:<pid>:<host>} on every node (commands, backlog reads, and each node's pub/sub connection, where
     * hubctl stats counts bells), and leaves the application's own connections as they are.
     */
    @Test
    void onTheApplicationsClusterClientEveryConnectionOfTheEngineIsNamedAfterTheNode() throws Exception {
        RedisClusterClient shared = RedisClusterClient.create(RedisURI.create("redis://" + cluster.seed()));
        try (var application = shared.connect()) {
            application.sync().ping();
            Hub node = new Hub(RedisEngine.onSharedClient(shared, "the application's client", new RedisKeys(prefix),
                    StreamSettings.defaults(), Duration.ofSeconds(5)), HubSettings.defaults(), new SimpleMeterRegistry());
            try {
                // Users on every master: a bell channel, thus a pub/sub connection, on each.
                Map<Integer, String> userOfMaster = new TreeMap<>();
                for (int n = 0; userOfMaster.size() < 3 && n < 200; n++) {
                    int slot = SlotHash.getSlot(new RedisKeys(prefix).stream("named-" + n));
                    userOfMaster.putIfAbsent(shared.getPartitions().getMasterBySlot(slot).getUri().getPort(),
                            "named-" + n);
                }
                assertThat(userOfMaster).as("a user on each of the three masters").hasSize(3);
                for (String user : userOfMaster.values()) {
                    RecordingOutput browser = new RecordingOutput();
                    node.connect(user, Cursor.none(), browser);
                    browser.events().awaitFirst("ready", Duration.ofSeconds(10));
                    node.publish(List.of(user), Publication.of("crud.update", "{}"));
                    browser.events().awaitPublished(1, Duration.ofSeconds(10));
                }
                String nodeName = "name=" + RedisEngine.nodeName() + " ";
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    for (int master : userOfMaster.keySet()) {
                        List<String> clients = clientList(master);
                        assertThat(clients).as("subscribed connections on " + master)
                            .filteredOn(line -> !line.contains(" ssub=0 "))
                            .singleElement().asString().contains(nodeName);
                        // The command connection and the two read connections, besides the pub/sub one.
                        assertThat(clients).as("named connections on " + master)
                            .filteredOn(line -> line.contains(nodeName)).hasSizeGreaterThanOrEqualTo(4);
                    }
                });
                assertThat(application.sync().clientGetname()).as("the application's own connection").isNull();
            }
            finally {
                node.close();
            }
        }
        finally {
            shared.shutdown();
        }
    }

    /** CLIENT LIST of one node of the cluster, one line per connection. */
    private static List<String> clientList(int port) {
        RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
        try (var connection = client.connect()) {
            return List.of(connection.sync().clientList().split("\n"));
        }
        finally {
            client.shutdown();
        }
    }

    /** Kills a master; the cluster stays usable, on its promoted replica, for the tests that run after this one. */
    @Test
    void whenAMasterFailsItsReplicaTakesOverAndTheNodesResubscribeAndCatchUp() throws Exception {
        Hub node1 = hub(StreamSettings.defaults());
        Hub node2 = hub(StreamSettings.defaults());
        String user = "failover";
        RecordingOutput onNode1 = new RecordingOutput();
        RecordingOutput onNode2 = new RecordingOutput();
        node1.connect(user, Cursor.none(), onNode1);
        node2.connect(user, Cursor.none(), onNode2);
        onNode1.events().awaitFirst("ready", Duration.ofSeconds(10));
        onNode2.events().awaitFirst("ready", Duration.ofSeconds(10));
        List<String> expected = new ArrayList<>();
        for (int n = 1; n <= 5; n++) {
            node1.publish(List.of(user), Publication.of("crud.update", "{\"n\":" + n + "}"));
            expected.add("{\"n\":" + n + "}");
        }
        onNode2.events().awaitPublished(5, Duration.ofSeconds(10));
        // Let the replica receive what its master has before the master dies.
        int master = cluster.masterOf(new RedisKeys(prefix).stream(user));
        cluster.awaitReplicated(master);

        cluster.kill(master);
        cluster.awaitFailoverFrom(master);
        // Published once the replica is master: only the resubscribed bells (or catch-up) can deliver these.
        for (int n = 6; n <= 10; n++) {
            publishRetrying(node2, user, n);
            expected.add("{\"n\":" + n + "}");
        }
        assertThat(data(onNode1.events().awaitPublished(10, Duration.ofSeconds(30)))).containsExactlyElementsOf(expected);
        assertThat(data(onNode2.events().awaitPublished(10, Duration.ofSeconds(30)))).containsExactlyElementsOf(expected);
        assertThat(onNode1.events().all()).noneMatch(e -> e.event().equals("reset"));

        // A cursor the new master does not have: newer than its last entry, or never in the stream.
        EventId last = EventId.parse(onNode1.events().published().getLast().id());
        RecordingOutput ahead = new RecordingOutput();
        node1.connect(user, Cursor.after(new EventId(last.ms() + 60_000, 0)), ahead);
        assertThat(ahead.events().awaitFirst("reset", Duration.ofSeconds(10)).id()).isEqualTo(last.toString());
        RecordingOutput missing = new RecordingOutput();
        node2.connect(user, Cursor.after(new EventId(last.ms() - 1, 999)), missing);
        assertThat(missing.events().awaitFirst("reset", Duration.ofSeconds(10)).data()).contains("unknown");
    }

    private static void publishRetrying(Hub hub, String user, int n) throws InterruptedException {
        Publication publication = Publication.of("crud.update", "{\"n\":" + n + "}");
        for (int attempt = 0; ; attempt++) {
            try {
                hub.publish(List.of(user), publication);
                return;
            }
            catch (EngineException ex) {
                if (attempt > 50) {
                    throw ex;
                }
                // The client is still learning the new topology: retry the same publication (appended once).
                Thread.sleep(200);
            }
        }
    }
}
