package dev.livehub.hub.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;

import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.Publication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hand-off of a stream's response from the request thread to the stream's writer, inside a host's Spring Security
 * filter chain. Spring Security's header writer writes its headers when the response commits, else when the chain
 * returns on the request thread; if the writer's thread commits the response meanwhile, both write the same
 * container response at once (a NullPointerException inside Tomcat's header list, and a stream lost).
 *
 * <p>{@link #probe()} is a filter to place inside the host's chain (after Spring Security's): it records every stream
 * whose response was not yet committed when the request thread left it, the window of that race.
 * {@link #fanOut} opens many streams at once while events are published, and checks every stream got every event.
 */
public final class StreamHandOff {

    private final Queue<String> uncommitted = new ConcurrentLinkedQueue<>();

    private final AtomicInteger streams = new AtomicInteger();

    /** The filter that records, per stream, whether its response was committed when the request thread left it. */
    public Filter probe() {
        return new Filter() {
            @Override
            public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                    throws IOException, ServletException {
                chain.doFilter(request, response);
                if (request.isAsyncStarted() && request instanceof HttpServletRequest http
                        && http.getRequestURI().equals("/stream/app")) {
                    streams.incrementAndGet();
                    if (!response.isCommitted()) {
                        uncommitted.add(http.getRequestURI() + " on " + Thread.currentThread().getName());
                    }
                }
            }
        };
    }

    /** Streams whose response the request thread left uncommitted to the writer's thread. */
    public List<String> uncommitted() {
        return List.copyOf(uncommitted);
    }

    /** How many async streams passed the probe. */
    public int streams() {
        return streams.get();
    }

    /**
     * Opens {@code count} streams of {@code user} at once, from the stream's current end, while events are published
     * to that user one after another; then waits until every stream received every event, in order.
     *
     * @param headers the request headers of a signed-in user (its cookie)
     * @return how many events were published, and so received by every stream
     */
    public static int fanOut(Hub hub, String user, String streamUrl, Map<String, String> headers, int count,
            Duration wait) throws Exception {
        EventId from = hub.lastId(user);
        Map<String, String> resuming = new HashMap<>(headers);
        resuming.put("Last-Event-ID", from.toString());
        AtomicBoolean opening = new AtomicBoolean(true);
        AtomicInteger published = new AtomicInteger();
        Thread publisher = Thread.ofPlatform().name("fan-out-publisher").start(() -> {
            // Events flow while streams open, so writers start at every point of their requests' hand-off.
            while (opening.get() && published.get() < 400) {
                hub.publish(List.of(user), Publication.of("crud.update", "{\"n\":" + published.get() + "}"));
                published.incrementAndGet();
                try {
                    Thread.sleep(5);
                }
                catch (InterruptedException ex) {
                    return;
                }
            }
        });
        List<SseClient> opened = new ArrayList<>();
        try (ExecutorService openers = Executors.newFixedThreadPool(64)) {
            List<Future<SseClient>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                futures.add(openers.submit(() -> SseClient.open(streamUrl, resuming)));
            }
            for (Future<SseClient> future : futures) {
                opened.add(future.get());
            }
        }
        finally {
            opening.set(false);
            publisher.join();
        }
        try {
            int events = published.get();
            for (SseClient stream : opened) {
                assertThat(stream.status()).as(stream.errorBody()).isEqualTo(200);
                assertThat(stream.headers().firstValue("X-Content-Type-Options"))
                    .as("nosniff on the stream").hasValue("nosniff");
            }
            for (SseClient stream : opened) {
                List<SseEvent> got = stream.events().awaitPublished(events, wait);
                assertThat(got).as("every stream gets every event").hasSize(events);
                assertThat(got.getLast().data()).isEqualTo("{\"n\":" + (events - 1) + "}");
            }
            return events;
        }
        finally {
            opened.forEach(SseClient::close);
        }
    }
}
