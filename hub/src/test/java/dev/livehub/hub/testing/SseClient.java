package dev.livehub.hub.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * A browser-like SSE client over real HTTP: opens a stream, records every event and comment on a thread of its own,
 * and can be closed to drop the connection (as a tab closing or a network cut does).
 */
public final class SseClient implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();

    private final EventLog log = new EventLog();

    private final SseParser parser;

    private final int status;

    private final HttpHeaders headers;

    private final String errorBody;

    private final InputStream body;

    private final Thread reader;

    private volatile boolean ended;

    private SseClient(HttpResponse<InputStream> response, java.util.function.Consumer<SseEvent> listener)
            throws IOException {
        this.parser = new SseParser(event -> {
            log.add(event);
            listener.accept(event);
        });
        this.status = response.statusCode();
        this.headers = response.headers();
        this.body = response.body();
        if (status != 200) {
            this.errorBody = new String(body.readAllBytes(), StandardCharsets.UTF_8);
            this.reader = null;
            this.ended = true;
            return;
        }
        this.errorBody = null;
        this.reader = Thread.ofVirtual().name("sse-client").start(this::read);
    }

    /** Opens {@code url} with the given request headers (e.g. Cookie, Last-Event-ID). */
    public static SseClient open(String url, Map<String, String> requestHeaders) throws IOException {
        return open(url, requestHeaders, event -> { });
    }

    /** Opens {@code url}; {@code listener} sees each event as it arrives, on the client's reader thread. */
    public static SseClient open(String url, Map<String, String> requestHeaders,
            java.util.function.Consumer<SseEvent> listener) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET()
            .header("Accept", "text/event-stream");
        requestHeaders.forEach(request::header);
        try {
            return new SseClient(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()), listener);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ex);
        }
    }

    private void read() {
        byte[] buffer = new byte[8192];
        java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
        try (InputStream in = body) {
            int n;
            java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
            while ((n = in.read(buffer)) >= 0) {
                pending.write(buffer, 0, n);
                byte[] bytes = pending.toByteArray();
                int complete = completeUtf8Length(bytes);
                parser.feed(new String(bytes, 0, complete, StandardCharsets.UTF_8));
                pending.reset();
                pending.write(bytes, complete, bytes.length - complete);
            }
        }
        catch (IOException ex) {
            // Closed by the test or by the server.
        }
        finally {
            ended = true;
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** The length of the prefix that holds only whole UTF-8 characters. */
    private static int completeUtf8Length(byte[] bytes) {
        int end = bytes.length;
        for (int back = 1; back <= 3 && back <= end; back++) {
            int b = bytes[end - back] & 0xff;
            if ((b & 0xc0) == 0x80) {
                continue;
            }
            int size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
            return size > back ? end - back : end;
        }
        return end;
    }

    public int status() {
        return status;
    }

    public HttpHeaders headers() {
        return headers;
    }

    public String errorBody() {
        return errorBody;
    }

    public EventLog events() {
        return log;
    }

    public long retry() {
        return parser.retry();
    }

    public int comments() {
        return parser.comments();
    }

    public boolean ended() {
        return ended;
    }

    /** Waits until the server ends the stream. */
    public synchronized void awaitEnd(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ended) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("the stream did not end within " + timeout.toMillis() + " ms");
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    @Override
    public void close() {
        try {
            body.close();
        }
        catch (IOException ex) {
            // Closing anyway.
        }
        if (reader != null) {
            reader.interrupt();
        }
    }
}
