package com.example.invoices;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.SseEvent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The invoices app on the memory engine, over real HTTP, as its users meet it: principals named {@code Mary Ann} and
 * {@code josé}, a host JsonMapper with default typing, plain form login with no rule for the hub.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HostMemoryTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @LocalServerPort
    int port;

    @Autowired
    InvoiceRepository invoices;

    private String base() {
        return "http://localhost:" + port;
    }

    @Test
    void principalsWithASpaceOrAnAccentGetTheirPagesStreamsAndEveryoneElsesChanges() throws Exception {
        HostClient mary = HostClient.signedIn(base(), "Mary Ann");
        HostClient jose = HostClient.signedIn(base(), "josé");
        for (HostClient user : new HostClient[] { mary, jose }) {
            HttpResponse<String> page = user.get("/invoices");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).containsPattern("lastId: \"\\d+-\\d+\"");
            HttpResponse<String> poll = user.get("/stream/app/poll");
            assertThat(poll.statusCode()).isEqualTo(200);
            assertThat(poll.body()).startsWith("{\"events\":[]");
        }
        try (SseClient maryStream = mary.stream(); SseClient joseStream = jose.stream()) {
            assertThat(maryStream.status()).as(maryStream.errorBody()).isEqualTo(200);
            maryStream.events().awaitFirst("ready", WAIT);
            joseStream.events().awaitFirst("ready", WAIT);

            HostClient alice = HostClient.signedIn(base(), "alice");
            HttpResponse<String> saved = alice.postForm("/invoices", "/invoices/1/paid", Map.of());

            assertThat(saved.statusCode()).isEqualTo(302);
            assertThat(invoices.findById(1L).orElseThrow().status()).isEqualTo("paid");
            for (SseClient stream : new SseClient[] { maryStream, joseStream }) {
                SseEvent update = stream.events().awaitPublished(1, WAIT).getFirst();
                assertThat(update.event()).isEqualTo("crud.update");
                // The hub's own mapper: plain ids, never the host's type information.
                assertThat(update.data()).contains("\"id\":1").contains("\"status\":\"paid\"")
                    .doesNotContain("java.lang");
            }
        }
    }

    @Test
    void withFormLoginTheHubsEndpointsAnswer401JsonNotARedirectAndPagesStillRedirect() throws Exception {
        HostClient stranger = new HostClient(base());
        for (String path : new String[] { "/stream/app", "/stream/app/poll" }) {
            HttpResponse<String> answer = stranger.get(path);
            assertThat(answer.statusCode()).as(path).isEqualTo(401);
            assertThat(answer.body()).as(path).startsWith("{\"error\":\"unauthenticated\"");
        }
        assertThat(stranger.get("/invoices").statusCode()).isEqualTo(302);
        assertThat(stranger.get("/hub/app-stream.js").statusCode()).isEqualTo(200);
    }

    @Test
    void otherMethodsThanGetOnTheHubsPathsGetTheHubsJsonNeverALoginRedirectOrACsrfPage() throws Exception {
        HostClient stranger = new HostClient(base());
        HostClient mary = HostClient.signedIn(base(), "Mary Ann");
        for (HostClient client : new HostClient[] { stranger, mary }) {
            for (String method : new String[] { "POST", "PUT", "DELETE" }) {
                for (String path : new String[] { "/stream/app", "/stream/app/poll" }) {
                    HttpResponse<String> answer = client.send(method, path);
                    String what = (client == mary ? "signed in " : "no session ") + method + " " + path;
                    assertThat(answer.statusCode()).as(what).isEqualTo(405);
                    assertThat(answer.body()).as(what).startsWith("{\"error\":\"method_not_allowed\"");
                }
            }
        }
        // The application's own forms still need their token.
        assertThat(mary.send("POST", "/invoices").statusCode()).isEqualTo(403);
    }

    @Test
    void signingOutEndsTheStreamAndTheOldCookieGets401() throws Exception {
        HostClient mary = HostClient.signedIn(base(), "Mary Ann");
        try (SseClient stream = mary.stream()) {
            stream.events().awaitFirst("ready", WAIT);

            assertThat(mary.postForm("/invoices", "/logout", Map.of()).statusCode()).isEqualTo(302);

            assertThat(stream.events().awaitFirst("auth-expired", WAIT).data()).contains("signed-out");
        }
        assertThat(mary.get("/stream/app/poll").statusCode()).isEqualTo(401);
    }
}
