package dev.livehub.loadtest;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The storm's subscribers come back like {@code EventSource}: a stream the server closes in the middle of its
 * catch-up is opened again after the server's {@code retry:}, with {@code Last-Event-ID}, and the events it then gets
 * count. The server here is a small SSE server in Nchan's shape ({@code POST /pub/<user>}, {@code GET /sub/<user>})
 * that deterministically closes every resumed stream owing more than 6 events after half of what it owes: the hub only does that under
 * load (a full outbox for two heartbeats), which a test cannot order.
 */
class StormReconnectTests {

    private final ClosingSseServer server = new ClosingSseServer();

    @BeforeEach
    void start() throws IOException {
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void aStreamClosedDuringCatchUpIsOpenedAgainAfterItsRetryAndNothingIsCountedLost() throws Exception {
        LoadTest.Options options = new LoadTest.Options();
        options.target = "nchan";
        options.url = URI.create("http://127.0.0.1:" + server.port());
        options.connections = 40;
        options.users = 20;
        options.duration = 1;
        options.warmup = 0;
        options.connectRate = 500;

        Map<String, Object> result = new Run("storm", options, 40, 1).storm(10, 0, false).measure(System.out);

        Map<?, ?> storm = (Map<?, ?>) result.get("storm");
        // Every one of the 40 resumed streams was closed halfway once, and opened again with its last id.
        assertThat(server.closedMidCatchUp.get()).isEqualTo(40);
        assertThat(storm.get("closed_by_server")).isEqualTo(40L);
        assertThat(storm.get("reopened_after_close")).isEqualTo(40L);
        assertThat(storm.get("missing_at_end")).isEqualTo(0L);
        assertThat((double) storm.get("caught_up_s")).isPositive();
        assertThat(result).containsEntry("lost", 0L).containsEntry("duplicated", 0L).containsEntry("out_of_order", 0L);
    }

    /** Events per user, ids 1..n; streams resume after {@code Last-Event-ID} and the first resume is cut short. */
    static final class ClosingSseServer {

        private final Map<String, List<String>> events = new ConcurrentHashMap<>();

        final AtomicInteger closedMidCatchUp = new AtomicInteger();

        private HttpServer http;

        void start() throws IOException {
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
            http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            http.createContext("/pub/", this::publish);
            http.createContext("/sub/", this::subscribe);
            http.start();
        }

        int port() {
            return http.getAddress().getPort();
        }

        void stop() {
            http.stop(0);
        }

        private List<String> of(String user) {
            return events.computeIfAbsent(user, u -> new ArrayList<>());
        }

        private void publish(HttpExchange exchange) throws IOException {
            String user = exchange.getRequestURI().getPath().substring("/pub/".length());
            String json = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            List<String> list = of(user);
            synchronized (list) {
                list.add(json);
                list.notifyAll();
            }
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        }

        private void subscribe(HttpExchange exchange) throws IOException {
            String user = exchange.getRequestURI().getPath().substring("/sub/".length());
            String lastId = exchange.getRequestHeaders().getFirst("Last-Event-ID");
            List<String> list = of(user);
            int next = lastId == null ? sizeOf(list) : Integer.parseInt(lastId);
            // A resume owing more than 6 events (the storm's 10) is cut short halfway; its next resume is whole.
            boolean cutShort = sizeOf(list) - next > 6;
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("retry: 100\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                int stopAt = cutShort ? next + (sizeOf(list) - next) / 2 : Integer.MAX_VALUE;
                while (true) {
                    String json;
                    synchronized (list) {
                        while (list.size() <= next) {
                            list.wait(10_000);
                        }
                        json = list.get(next);
                    }
                    if (next == stopAt) {
                        closedMidCatchUp.incrementAndGet();
                        return;
                    }
                    next++;
                    out.write(("id: " + next + "\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            }
            catch (IOException | InterruptedException ex) {
                // the client went away
            }
        }

        private static int sizeOf(List<String> list) {
            synchronized (list) {
                return list.size();
            }
        }
    }
}
