package com.example.invoices;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import jakarta.servlet.http.HttpServletRequest;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.InitBinder;
import org.springframework.web.bind.annotation.ModelAttribute;

import dev.livehub.hub.Hub;
import dev.livehub.hub.Publication;
import dev.livehub.hub.testing.SseClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A host whose {@code @ControllerAdvice} is global, not scoped to its own controllers: a {@code @ModelAttribute} that
 * fails outside a page, an {@code @InitBinder}, and an {@code @ExceptionHandler(Exception.class)} that renders an HTML
 * error page. None of it runs for the hub's endpoints: streams and polls work and answer their refusals as JSON.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(HostAdviceTests.GlobalAdvice.class)
class HostAdviceTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** What the advice was called for: "<method kind> <path>". */
    static final Queue<String> ADVISED = new ConcurrentLinkedQueue<>();

    @ControllerAdvice
    static class GlobalAdvice {

        @InitBinder
        void binder(WebDataBinder binder, HttpServletRequest request) {
            ADVISED.add("@InitBinder " + request.getRequestURI());
        }

        @ModelAttribute
        void layout(HttpServletRequest request) {
            ADVISED.add("@ModelAttribute " + request.getRequestURI());
            throw new IllegalStateException("the layout is for pages only");
        }

        @ExceptionHandler(Exception.class)
        ResponseEntity<String> errorPage(Exception ex, HttpServletRequest request) {
            ADVISED.add("@ExceptionHandler " + request.getRequestURI());
            return ResponseEntity.status(500).contentType(MediaType.TEXT_HTML)
                .body("<html><body>Something went wrong</body></html>");
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    Hub hub;

    @Test
    void theHostsGlobalAdviceNeverRunsForTheHubsEndpoints() throws Exception {
        String base = "http://localhost:" + port;
        HostClient mary = HostClient.signedIn(base, "Mary Ann");
        // The advice is live for the host's own controllers.
        HttpResponse<String> page = mary.get("/invoices");
        assertThat(page.statusCode()).isEqualTo(500);
        assertThat(page.body()).contains("Something went wrong");
        assertThat(ADVISED).contains("@ModelAttribute /invoices", "@ExceptionHandler /invoices");
        ADVISED.clear();

        HttpResponse<String> poll = mary.get("/stream/app/poll");
        assertThat(poll.statusCode()).as(poll.body()).isEqualTo(200);
        assertThat(poll.body()).startsWith("{\"events\":[");
        HttpResponse<String> badCursor = mary.get("/stream/app/poll?last_id=nonsense");
        assertThat(badCursor.statusCode()).isEqualTo(400);
        assertThat(badCursor.body()).startsWith("{\"error\":\"bad_cursor\"");
        HttpResponse<String> stranger = new HostClient(base).get("/stream/app");
        assertThat(stranger.statusCode()).isEqualTo(401);
        assertThat(stranger.body()).startsWith("{\"error\":\"unauthenticated\"");
        try (SseClient stream = mary.stream()) {
            assertThat(stream.status()).as(stream.errorBody()).isEqualTo(200);
            stream.events().awaitFirst("ready", WAIT);
            hub.publish(List.of("Mary Ann"), Publication.of("notif", "{\"unread\":1}"));
            assertThat(stream.events().awaitPublished(1, WAIT).getFirst().data()).isEqualTo("{\"unread\":1}");
        }
        try (SseClient refused = SseClient.open(base + "/stream/app?last_id=nonsense",
                Map.of("Cookie", mary.cookieHeader()))) {
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.errorBody()).startsWith("{\"error\":\"bad_cursor\"");
        }

        assertThat(ADVISED).as("advice called for the hub's endpoints").isEmpty();
    }
}
