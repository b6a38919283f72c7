package dev.livehub.loadtest;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * The fan-out's subscribers come back like {@code EventSource}, as the storm's do: a live stream the server closes is
 * opened again after its {@code retry:}, with {@code Last-Event-ID}, and what it finally got counts. The server here,
 * in Nchan's shape, closes every user's first stream after two events (the hub closes a stream whose client fell
 * behind, which a test cannot order).
 */
class FanoutReconnectTests {

    private final DroppingSseServer server = new DroppingSseServer();

    @BeforeEach
    void start() throws IOException {
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void aLiveStreamClosedByTheServerIsOpenedAgainWithItsLastIdAndNothingIsCountedLost() throws Exception {
        LoadTest.Options options = new LoadTest.Options();
        options.target = "nchan";
        options.url = URI.create("http://127.0.0.1:" + server.port());
        options.connections = 20;
        options.users = 20;
        options.duration = 1;
        options.warmup = 0;
        options.connectRate = 500;

        // 20 events a second to groups of 10 users: 10 events for each user, its first stream closed after 2.
        Map<String, Object> result = new Run("fanout", options, 20, 10).reconnectAsEventSource().measure(System.out);

        assertThat(server.dropped.get()).isEqualTo(20);
        assertThat(result).containsEntry("dropped", 20L).containsEntry("reopened", 20L);
        assertThat(result).containsEntry("published", 20L).containsEntry("delivered", 200L);
        assertThat(result).containsEntry("lost", 0L).containsEntry("duplicated", 0L).containsEntry("out_of_order", 0L);
    }

    /** Events per user, ids 1..n; streams resume after {@code Last-Event-ID}; a user's first stream ends after two. */
    static final class DroppingSseServer {

        private final Map<String, List<String>> events = new ConcurrentHashMap<>();

        private final Set<String> droppedOnce = ConcurrentHashMap.newKeySet();

        final AtomicInteger dropped = new AtomicInteger();

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
            int next;
            synchronized (list) {
                next = lastId == null ? list.size() : Integer.parseInt(lastId);
            }
            int stopAt = droppedOnce.add(user) ? next + 2 : Integer.MAX_VALUE;
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("retry: 100\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                while (next < stopAt) {
                    String json;
                    synchronized (list) {
                        while (list.size() <= next) {
                            list.wait(10_000);
                        }
                        json = list.get(next);
                    }
                    next++;
                    out.write(("id: " + next + "\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                dropped.incrementAndGet();
            }
            catch (IOException | InterruptedException ex) {
                // the client went away
            }
        }
    }
}
