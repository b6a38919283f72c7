package dev.livehub.nginx;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.livehub.app.AppClient;
import dev.livehub.hub.testing.ReconnectingSseClient;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Browser-like streams of several signed-in users through a proxy, while a publisher sends each user a numbered
 * {@code crud.update} in turn, ten rounds a second, through the same proxy: what the proxy tests break nodes under.
 * {@link #stopAndCheck()} asserts that every stream got every event of its user once, in order, with no reset.
 */
final class StreamsUnderLoad implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);

    private final String url;

    private final List<String> users;

    private final Map<String, String> ids = new LinkedHashMap<>();

    private final List<ReconnectingSseClient> streams = new ArrayList<>();

    private final Map<ReconnectingSseClient, String> userOf = new ConcurrentHashMap<>();

    private final Map<String, AtomicInteger> sequence = new ConcurrentHashMap<>();

    private final AtomicBoolean publishing = new AtomicBoolean(true);

    private Thread publisher;

    /** Signs the users in and opens {@code count} streams, spread over them, each once it has its {@code ready}. */
    StreamsUnderLoad(String url, List<String> users, int count, HttpClient http) throws Exception {
        this.url = url;
        this.users = users;
        Map<String, AppClient> clients = new LinkedHashMap<>();
        for (String user : users) {
            AppClient client = AppClient.signedIn(url, user);
            clients.put(user, client);
            ids.put(user, ClusterTraffic.idOf(client));
            sequence.put(user, new AtomicInteger());
        }
        for (int i = 0; i < count; i++) {
            String user = users.get(i % users.size());
            ReconnectingSseClient stream = new ReconnectingSseClient(http, url + "/stream/app",
                    Map.of("Cookie", clients.get(user).cookieHeader()));
            streams.add(stream);
            userOf.put(stream, user);
        }
        for (ReconnectingSseClient stream : streams) {
            stream.events().awaitFirst("ready", WAIT);
        }
    }

    void startPublishing() {
        publisher = Thread.ofVirtual().start(() -> {
            try {
                while (publishing.get()) {
                    for (String user : users) {
                        int n = sequence.get(user).incrementAndGet();
                        ClusterTraffic.publish(url, ids.get(user), "crud.update", "{\"seq\":" + n + "}",
                                user + "-" + n);
                    }
                    Thread.sleep(100);
                }
            }
            catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        });
    }

    /** Waits until {@code rounds} more rounds were published. */
    void awaitRounds(int rounds) {
        AtomicInteger first = sequence.get(users.getFirst());
        int target = first.get() + rounds;
        await().atMost(WAIT).until(() -> first.get() >= target);
    }

    /** Waits until every stream is connected again after at least one of them reconnected. */
    void awaitAllBack() {
        await().atMost(WAIT).until(() -> streams.stream().allMatch(ReconnectingSseClient::connected)
                && streams.stream().anyMatch(s -> !s.reconnectMillis().isEmpty()));
    }

    List<ReconnectingSseClient> streams() {
        return streams;
    }

    long moved() {
        return streams.stream().filter(s -> !s.reconnectMillis().isEmpty()).count();
    }

    /** Stops publishing and asserts that every stream got every event of its user, once, in order, and no reset. */
    void stopAndCheck() throws InterruptedException {
        publishing.set(false);
        publisher.join();
        for (ReconnectingSseClient stream : streams) {
            String user = userOf.get(stream);
            int last = sequence.get(user).get();
            List<String> expected = new ArrayList<>();
            for (int n = 1; n <= last; n++) {
                expected.add("{\"seq\":" + n + "}");
            }
            List<SseEvent> received = stream.events().awaitPublished(last, WAIT);
            assertThat(received).extracting(SseEvent::data).as("events of " + user).containsExactlyElementsOf(expected);
            assertThat(stream.events().all()).noneMatch(e -> e.event().equals("reset"));
        }
    }

    @Override
    public void close() {
        publishing.set(false);
        streams.forEach(ReconnectingSseClient::close);
    }
}
