package dev.livehub.hub.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.TimeoutOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.json.JsonMapper;

import dev.livehub.hub.AfterCommit;
import dev.livehub.hub.Connection;
import dev.livehub.hub.CrudBus;
import dev.livehub.hub.Cursor;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.PublishRetries;
import dev.livehub.hub.engine.RedisEngine;
import dev.livehub.hub.engine.RedisKeys;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.RecordingOutput;
import dev.livehub.hub.testing.RedisServerExtension;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis goes away under two nodes with connected clients and running publishers. Nothing may be lost unreported:
 * every event a client does not receive must be covered by a {@code reset} it does receive, and nothing arrives twice.
 * Each test prints its figures (they go to RELIABILITY.md).
 */
class RedisOutageIntegrationTests {

    private static final int USERS = 10;

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private final List<Hub> nodes = new ArrayList<>();

    private final List<PublishRetries> retries = new ArrayList<>();

    private final List<CrudBus> buses = new ArrayList<>();

    /** Per client: the user it belongs to, its output and its connection. */
    private record Client(String user, RecordingOutput output, Connection connection) {
    }

    private Hub node(String prefix) {
        return node(prefix, Duration.ofSeconds(3));
    }

    private Hub node(String prefix, Duration retryFor) {
        RedisClient client = RedisClient.create(RedisEngine.clientResources(), redis.uri());
        Duration timeout = Duration.ofSeconds(1);
        client.setOptions(ClientOptions.builder().timeoutOptions(TimeoutOptions.enabled(timeout)).build());
        Hub hub = new Hub(new RedisEngine(client, new RedisKeys(prefix), StreamSettings.defaults(), timeout),
                new HubSettings(16, 1000, Duration.ofSeconds(1), Duration.ofMillis(1000), Duration.ofHours(1), 500),
                new SimpleMeterRegistry());
        PublishRetries retry = new PublishRetries(hub, retryFor);
        nodes.add(hub);
        retries.add(retry);
        buses.add(new CrudBus(hub, new JsonMapper(), AfterCommit.IMMEDIATE, () -> null, retry));
        return hub;
    }

    @AfterEach
    void stop() {
        retries.forEach(PublishRetries::close);
        nodes.forEach(Hub::close);
    }

    private List<Client> connectEveryUserOnEveryNode() {
        List<Client> clients = new ArrayList<>();
        for (int u = 0; u < USERS; u++) {
            for (Hub node : nodes) {
                RecordingOutput output = new RecordingOutput();
                String user = "u" + u;
                clients.add(new Client(user, output, node.connect(user, Cursor.none(), output)));
            }
        }
        clients.forEach(c -> c.output().events().awaitFirst("ready", Duration.ofSeconds(10)));
        return clients;
    }

    /** Retries outlast the outage (the default bound, 30 s): everything is delivered, late, and nobody is reset. */
    @Test
    void redisStoppedForTenSecondsWithinTheRetryBoundDeliversEverything() throws Exception {
        Figures figures = outage("within", Duration.ofSeconds(30));

        assertThat(figures.givenUp()).isZero();
        assertThat(figures.missed()).isZero();
        assertThat(figures.resetClients()).isZero();
    }

    /** Retries give up after 3 s: what they gave up reaches its users as a reset, never as silence. */
    @Test
    void redisStoppedForTenSecondsPastTheRetryBoundResetsTheUsersItCouldNotReach() throws Exception {
        Figures figures = outage("past", Duration.ofSeconds(3));

        assertThat(figures.givenUp()).isPositive();
        assertThat(figures.resetClients()).isEqualTo(USERS * 2);
    }

    private record Figures(int givenUp, int missed, int resetClients) {
    }

    /** Two nodes, a client of every user on each, a publisher per user; Redis away for 10 s in the middle. */
    private Figures outage(String prefix, Duration retryFor) throws Exception {
        node(prefix, retryFor);
        node(prefix, retryFor);
        List<Client> clients = connectEveryUserOnEveryNode();
        Map<String, Set<Integer>> published = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> publishers = new ArrayList<>();
        for (int u = 0; u < USERS; u++) {
            String user = "u" + u;
            CrudBus bus = buses.get(u % buses.size());
            Set<Integer> seqs = ConcurrentHashMap.newKeySet();
            published.put(user, seqs);
            publishers.add(Thread.ofPlatform().name("publisher-" + user).start(() -> {
                for (int seq = 1; running.get(); seq++) {
                    bus.publishToUsers(List.of(user), "crud.update", Map.of("seq", seq));
                    seqs.add(seq);
                    pause(50);
                }
            }));
        }
        int commentsBefore = clients.stream().mapToInt(c -> c.output().parser().comments()).sum();

        // The scenario's timeline: 2 s of normal traffic, Redis away for 10 s, 3 s of traffic after it returns.
        Thread.sleep(2000);
        redis.stopKeepingData();
        Thread.sleep(10_000);
        int commentsDuringOutage = clients.stream().mapToInt(c -> c.output().parser().comments()).sum()
                - commentsBefore;
        redis.startAgain();
        Thread.sleep(3000);
        running.set(false);
        for (Thread publisher : publishers) {
            publisher.join();
        }

        // Everything retried is published or turned into a reset, and every client has caught up.
        await().atMost(Duration.ofSeconds(30)).until(() -> retries.stream()
            .allMatch(r -> r.waiting() == 0 && r.owed() == 0));
        buses.getFirst().publishToUsers(published.keySet(), "crud.update", Map.of("seq", 0));
        await().atMost(Duration.ofSeconds(30)).until(() -> clients.stream().allMatch(c -> accountedFor(c, published)));

        int totalPublished = published.values().stream().mapToInt(Set::size).sum();
        int givenUp = retries.stream().mapToInt(PublishRetries::givenUp).sum();
        int delivered = 0;
        int resetClients = 0;
        int missed = 0;
        for (Client client : clients) {
            List<SseEvent> events = client.output().events().all();
            List<Integer> seqs = seqs(client);
            assertThat(seqs).as("no event twice for %s", client.user()).doesNotHaveDuplicates();
            assertThat(ids(events)).as("stream order for %s", client.user()).isSorted();
            delivered += seqs.size() - 1;
            missed += published.get(client.user()).size() - (seqs.size() - 1);
            if (events.stream().anyMatch(e -> e.event().equals("reset"))) {
                resetClients++;
            }
            assertThat(client.connection().isClosed()).as("the stream stayed open through the outage").isFalse();
        }
        assertThat(commentsDuringOutage).as("heartbeats went on while Redis was away").isGreaterThan(USERS * 2 * 5);
        System.out.printf("redis-outage retry-for=%ds: published=%d delivered=%d (over %d clients) given-up=%d "
                + "missed=%d clients-reset=%d lost-unreported=0%n", retryFor.toSeconds(), totalPublished, delivered,
                clients.size(), givenUp, missed, resetClients);
        return new Figures(givenUp, missed, resetClients);
    }

    @Test
    void aRedisRestartedEmptyResetsEveryClientWithACursor() throws Exception {
        Hub node = node("empty");
        RecordingOutput live = new RecordingOutput();
        node.connect("u1", Cursor.none(), live);
        live.events().awaitFirst("ready", Duration.ofSeconds(10));
        buses.getFirst().publishToUsers(List.of("u1"), "crud.update", Map.of("seq", 1));
        String before = live.events().awaitPublished(1, Duration.ofSeconds(10)).getFirst().id();

        redis.restartEmpty();

        // The connected client is told, not left silent.
        SseEvent reset = live.events().awaitFirst("reset", Duration.ofSeconds(20));
        assertThat(reset.data()).contains("\"reason\"");
        // A client coming back with a cursor the new, empty Redis never had is reset too.
        RecordingOutput returning = new RecordingOutput();
        node.connect("u1", Cursor.fromRequest(before, null), returning);
        assertThat(returning.events().awaitFirst("reset", Duration.ofSeconds(10)).data()).contains("\"reason\"");
        buses.getFirst().publishToUsers(List.of("u1"), "crud.update", Map.of("seq", 2));
        assertThat(live.events().awaitPublished(2, Duration.ofSeconds(10)).getLast().data()).isEqualTo("{\"seq\":2}");
        assertThat(returning.events().awaitPublished(1, Duration.ofSeconds(10)).getLast().data())
            .isEqualTo("{\"seq\":2}");
    }

    /**
     * The client received the final event (seq 0, published after everything settled), and every seq published to
     * its user before, or else a reset.
     */
    private static boolean accountedFor(Client client, Map<String, Set<Integer>> published) {
        Set<Integer> received = new HashSet<>(seqs(client));
        Set<Integer> missing = new HashSet<>(published.get(client.user()));
        missing.removeAll(received);
        boolean reset = client.output().events().all().stream().anyMatch(e -> e.event().equals("reset"));
        return received.contains(0) && (missing.isEmpty() || reset);
    }

    /** The seqs received, without the final seq 0. */
    private static List<Integer> seqs(Client client) {
        return client.output().events().published().stream()
            .map(e -> Integer.parseInt(e.data().replaceAll("\\D", "")))
            .toList();
    }

    private static List<EventId> ids(List<SseEvent> events) {
        return events.stream().filter(e -> !e.event().equals("ready")).map(e -> EventId.parse(e.id())).toList();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
