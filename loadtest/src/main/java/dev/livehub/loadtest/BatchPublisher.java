package dev.livehub.loadtest;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The hub's {@code POST /hub/publish/batch}, as a backend flushing its queue uses it: publications wait at most
 * {@code windowMs} (or until {@code max} are waiting) and go in one request; each publish returns once its own result
 * in the answer is a 202.
 */
final class BatchPublisher implements Publisher {

    private record Waiting(String publication, CompletableFuture<Void> done) {
    }

    private final HttpPool pool;

    private final String authorization;

    private final long windowMs;

    private final int max;

    private final LinkedBlockingQueue<Waiting> queue = new LinkedBlockingQueue<>();

    private final Thread flusher;

    private volatile boolean closed;

    BatchPublisher(URI base, String token, long windowMs, int max) {
        this.pool = new HttpPool(base, 8);
        this.authorization = "Authorization: Bearer " + token + "\r\n";
        this.windowMs = windowMs;
        this.max = max;
        this.flusher = Thread.ofVirtual().name("batch-publisher").start(this::flush);
    }

    @Override
    public void publish(List<String> users, String json) throws Exception {
        String publication = "{\"users\":" + users.stream().map(u -> "\"" + u + "\"")
            .collect(Collectors.joining(",", "[", "]")) + ",\"event\":\"crud.update\",\"data\":" + json + "}";
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.add(new Waiting(publication, done));
        done.get(30, TimeUnit.SECONDS);
    }

    private void flush() {
        while (!closed) {
            List<Waiting> batch = new ArrayList<>();
            try {
                Waiting first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(windowMs);
                while (batch.size() < max) {
                    Waiting next = queue.poll(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
            }
            catch (InterruptedException ex) {
                return;
            }
            List<Waiting> sent = batch;
            // Requests overlap, as a backend's flushes may: the next batch gathers while this one is answered.
            Thread.ofVirtual().start(() -> send(sent));
        }
    }

    private void send(List<Waiting> batch) {
        String body = batch.stream().map(Waiting::publication).collect(Collectors.joining(",", "{\"publications\":[",
                "]}"));
        try {
            HttpPool.Response response = pool.post("/hub/publish/batch", authorization, body);
            if (response.status() != 200) {
                throw new IllegalStateException("POST /hub/publish/batch answered " + response.status() + ": "
                        + response.body());
            }
            // One result per publication, in order; "status":202 for each one appended for all its users.
            String[] results = response.body().split("\"status\":", -1);
            for (int i = 0; i < batch.size(); i++) {
                if (i + 1 < results.length && results[i + 1].startsWith("202")) {
                    batch.get(i).done().complete(null);
                }
                else {
                    batch.get(i).done().completeExceptionally(new IllegalStateException("refused: "
                            + (i + 1 < results.length ? results[i + 1] : response.body())));
                }
            }
        }
        catch (Exception ex) {
            batch.forEach(waiting -> waiting.done().completeExceptionally(ex));
        }
    }

    @Override
    public void close() {
        closed = true;
        flusher.interrupt();
        pool.close();
    }
}
