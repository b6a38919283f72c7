package dev.livehub.hub.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A browser-like client that stays connected: it reads a stream, and when the stream ends or breaks it waits the
 * last {@code retry:} it was sent and reconnects with {@code Last-Event-ID}, as EventSource does; after a non-200
 * answer it backs off and retries, as {@code app-stream.js} does. It records every event and how long each
 * reconnection took.
 */
public final class ReconnectingSseClient implements AutoCloseable {

    private final HttpClient http;

    private final String url;

    private final Map<String, String> headers;

    private final EventLog log = new EventLog();

    private final SseParser parser = new SseParser(log::add);

    private final List<Long> reconnectMillis = new CopyOnWriteArrayList<>();

    private final Thread thread;

    private volatile InputStream body;

    private volatile boolean connected;

    private volatile boolean closed;

    private volatile int connects;

    public ReconnectingSseClient(HttpClient http, String url, Map<String, String> headers) {
        this.http = http;
        this.url = url;
        this.headers = headers;
        this.thread = Thread.ofVirtual().name("sse-reconnecting").start(this::run);
    }

    private void run() {
        long lostAt = -1;
        long backoff = 250;
        while (!closed) {
            try {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET()
                    .header("Accept", "text/event-stream");
                headers.forEach(request::header);
                String lastId = parser.lastEventId();
                if (lastId != null) {
                    request.header("Last-Event-ID", lastId);
                }
                HttpResponse<InputStream> response = http.send(request.build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                if (response.statusCode() != 200) {
                    response.body().close();
                    pause(backoff + (long) (Math.random() * backoff));
                    backoff = Math.min(backoff * 2, 2000);
                    continue;
                }
                backoff = 250;
                connects++;
                connected = true;
                if (lostAt >= 0) {
                    reconnectMillis.add(Duration.ofNanos(System.nanoTime() - lostAt).toMillis());
                }
                body = response.body();
                byte[] buffer = new byte[8192];
                int n;
                while ((n = body.read(buffer)) >= 0) {
                    parser.feed(new String(buffer, 0, n, StandardCharsets.UTF_8));
                }
            }
            catch (IOException ex) {
                // The stream broke: reconnect below.
            }
            catch (InterruptedException ex) {
                return;
            }
            if (connected) {
                connected = false;
                lostAt = System.nanoTime();
            }
            if (!closed) {
                pause(parser.retry() > 0 ? parser.retry() : 3000);
            }
        }
    }

    private void pause(long millis) {
        try {
            // The reconnection delay a browser would wait (retry:), not test synchronisation.
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            closed = true;
            Thread.currentThread().interrupt();
        }
    }

    public EventLog events() {
        return log;
    }

    public boolean connected() {
        return connected;
    }

    public int connects() {
        return connects;
    }

    /** How long each reconnection took, from losing the stream to the next 200. */
    public List<Long> reconnectMillis() {
        return List.copyOf(reconnectMillis);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        InputStream current = body;
        if (current != null) {
            try {
                current.close();
            }
            catch (IOException ex) {
                // Closing anyway.
            }
        }
    }
}
