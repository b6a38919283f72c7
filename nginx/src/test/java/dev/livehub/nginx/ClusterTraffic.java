package dev.livehub.nginx;

import java.net.http.HttpResponse;
import java.time.Duration;

import dev.livehub.app.AppClient;
import dev.livehub.hub.testing.SseClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the proxy tests send through a proxy to the cluster (publications with retries), and the checks every proxy
 * passes.
 */
final class ClusterTraffic {

    static final String PUBLISH_TOKEN = "cluster-token";

    private ClusterTraffic() {
    }

    /**
     * Publishes an event to one user through the proxy at {@code url}, retrying until accepted, as a
     * publisher does; the publish id makes a retry safe.
     */
    static String publish(String url, String user, String event, String data, String publishId) throws Exception {
        for (int attempt = 0; attempt < 50; attempt++) {
            try {
                HttpResponse<String> response = AppClient.publish(url, PUBLISH_TOKEN, "{\"users\":[\"" + user
                        + "\"],\"event\":\"" + event + "\",\"data\":" + data + ",\"publish_id\":\"" + publishId
                        + "\"}");
                if (response.statusCode() == 202) {
                    return response.body();
                }
            }
            catch (java.io.IOException ex) {
                // The node behind the proxy died mid-request: retry.
            }
            Thread.sleep(100);
        }
        throw new AssertionError("publish of " + publishId + " never accepted");
    }

    /** The signed-in user's hub id. */
    static String idOf(AppClient client) throws Exception {
        return client.get("/api/me").body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
    }

    /**
     * Each event comes through the proxy at {@code url} before the next is even published: nothing waits in a buffer.
     */
    static void assertEventsComeOneByOne(String url) throws Exception {
        AppClient alice = AppClient.signedIn(url, "alice");
        String aliceId = idOf(alice);
        try (SseClient stream = alice.stream()) {
            assertThat(stream.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
            stream.events().awaitFirst("ready", StreamsUnderLoad.WAIT);
            for (int n = 1; n <= 5; n++) {
                publish(url, aliceId, "crud.update", "{\"n\":" + n + "}", "frames-" + System.nanoTime());
                assertThat(stream.events().awaitPublished(n, Duration.ofSeconds(5))).hasSize(n);
            }
        }
    }

    /**
     * A stream through the proxy at {@code url} stays open for 7 s on the nodes' heartbeats (every second in these
     * tests), past the proxy's timeout on streams (3 s in these tests).
     */
    static void assertHeartbeatsKeepAStreamOpen(String url) throws Exception {
        AppClient bob = AppClient.signedIn(url, "bob");
        try (SseClient stream = bob.stream()) {
            stream.events().awaitFirst("ready", StreamsUnderLoad.WAIT);
            long start = System.nanoTime();
            await().atMost(StreamsUnderLoad.WAIT)
                .until(() -> Duration.ofNanos(System.nanoTime() - start).toSeconds() >= 7 || stream.ended());
            assertThat(stream.ended()).as("the stream outlived the proxy's 3 s timeout").isFalse();
            assertThat(stream.comments()).isGreaterThanOrEqualTo(6);
        }
    }
}
