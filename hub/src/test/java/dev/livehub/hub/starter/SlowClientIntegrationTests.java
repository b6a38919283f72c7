package dev.livehub.hub.starter;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.livehub.hub.Hub;
import dev.livehub.hub.Publication;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.SseEvent;
import dev.livehub.hub.testing.SseParser;
import dev.livehub.hub.testing.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One client that reads nothing beside 1,000 that read, over real HTTP: the slow one is disconnected when its outbox
 * fills (its blocked write fails at the server's write timeout), the others get every event, and the slow one later resumes from the
 * last event it read with nothing lost and nothing twice. Prints the normal clients' latency with and without it.
 */
@SpringBootTest(classes = StarterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "hub.token.secret=" + SlowClientIntegrationTests.SECRET, "hub.outbox-size=50",
                "hub.stream.max-entries=5000", "hub.connect-rate.burst=5000",
                // How long a write the client does not read may block: the slow client's connection ends after it.
                "server.tomcat.connection-timeout=2s" })
class SlowClientIntegrationTests {

    static final String SECRET = "slow-client-secret-of-32-bytes-or-more";

    private static final int NORMAL = 1000;

    private static final int ROUNDS = 20;

    private static final int SLOW_EVENTS = 300;

    @LocalServerPort
    int port;

    @Autowired
    Hub hub;

    @Test
    void aClientThatReadsNothingIsLetGoAndResumesWhileTheOthersGetEverything() throws Exception {
        List<String> users = IntStream.range(0, NORMAL).mapToObj(i -> "n" + i).toList();
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        List<SseClient> normal = new ArrayList<>();
        try {
            for (String user : users) {
                normal.add(SseClient.open(url("/stream/app?token=" + token(user)), Map.of(), event -> {
                    if (event.data().startsWith("{\"t\":")) {
                        latencies.add(System.nanoTime() - Long.parseLong(event.data().replaceAll("\\D", "")));
                    }
                }));
            }
            normal.forEach(client -> client.events().awaitFirst("ready", Duration.ofSeconds(30)));

            // A first run warms the JIT up, so that the two measured runs compare like with like.
            rounds(users, latencies, normal, 0, null);
            List<Long> without = rounds(users, latencies, normal, ROUNDS, null);

            try (Socket slow = new Socket("127.0.0.1", port)) {
                // HTTP/1.0, so the body is the raw event stream, not chunked; and then nothing is ever read.
                OutputStream request = slow.getOutputStream();
                request.write(("GET /stream/app?token=" + token("slow") + " HTTP/1.0\r\nAccept: text/event-stream"
                        + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                request.flush();
                await().atMost(Duration.ofSeconds(10)).until(() -> hub.connectionCount("slow") == 1);

                List<Long> with = rounds(users, latencies, normal, 2 * ROUNDS, "slow");

                // Let go: the hub no longer holds the connection (its blocked write failed at the server's write
                // timeout), though the client still has read nothing.
                await().atMost(Duration.ofSeconds(20)).until(() -> hub.connectionCount("slow") == 0);

                // Now it reads what reached it, and resumes from the last whole event.
                List<SseEvent> first = readAll(slow.getInputStream());
                String lastId = first.getLast().id();
                try (SseClient resumed = SseClient.open(url("/stream/app?token=" + token("slow")),
                        Map.of("Last-Event-ID", lastId))) {
                    int got = (int) first.stream().filter(e -> e.event().equals("crud.update")).count();
                    List<SseEvent> rest = resumed.events().awaitPublished(SLOW_EVENTS - got, Duration.ofSeconds(30));
                    List<Integer> seqs = new ArrayList<>();
                    for (SseEvent event : concat(first, rest)) {
                        if (event.event().equals("crud.update")) {
                            seqs.add(Integer.parseInt(event.data().substring(7, event.data().indexOf(','))));
                        }
                    }
                    assertThat(seqs).as("every slow event once, in order").containsExactlyElementsOf(
                            IntStream.range(0, SLOW_EVENTS).boxed().toList());
                    System.out.printf("slow-client: %d normal clients, p99 %.2f ms without the slow one, %.2f ms "
                            + "with it (%.2fx); slow one read %d of %d before it was let go, resumed for the rest%n",
                            NORMAL, p99(without), p99(with), p99(with) / p99(without), got, SLOW_EVENTS);
                }
            }
        }
        finally {
            normal.forEach(SseClient::close);
        }
    }

    /**
     * {@link #ROUNDS} rounds of one event to every normal user, 50 ms apart; with a slow user, also 15 events of
     * 60 KB to it per round. Returns the latencies of these rounds once every client has every event.
     */
    private List<Long> rounds(List<String> users, ConcurrentLinkedQueue<Long> latencies, List<SseClient> normal,
            int already, String slowUser) throws Exception {
        latencies.clear();
        String padding = "x".repeat(60_000);
        int slowSeq = 0;
        for (int round = 0; round < ROUNDS; round++) {
            hub.publish(users, Publication.of("notif", "{\"t\":" + System.nanoTime() + "}"));
            if (slowUser != null) {
                for (int i = 0; i < SLOW_EVENTS / ROUNDS; i++) {
                    hub.publish(List.of(slowUser), Publication.of("crud.update",
                            "{\"seq\":" + slowSeq++ + ",\"pad\":\"" + padding + "\"}"));
                }
            }
            Thread.sleep(50);
        }
        for (SseClient client : normal) {
            assertThat(client.events().awaitPublished(already + ROUNDS, Duration.ofSeconds(30)))
                .as("a normal client gets every event").hasSize(already + ROUNDS);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> latencies.size() >= NORMAL * ROUNDS);
        return new ArrayList<>(latencies);
    }

    private static List<SseEvent> readAll(InputStream in) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        in.transferTo(bytes);
        String response = bytes.toString(StandardCharsets.UTF_8);
        List<SseEvent> events = new ArrayList<>();
        new SseParser(events::add).feed(response.substring(response.indexOf("\r\n\r\n") + 4));
        return events;
    }

    private static List<SseEvent> concat(List<SseEvent> first, List<SseEvent> rest) {
        List<SseEvent> joined = new ArrayList<>(first);
        joined.addAll(rest);
        return joined;
    }

    private static double p99(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1) / 1e6;
    }

    private String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    private static String token(String user) {
        return TestTokens.hs256(SECRET, user, Duration.ofMinutes(10));
    }
}
