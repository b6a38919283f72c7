package dev.livehub.app.web;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.livehub.app.AppClient;
import dev.livehub.app.AppNode;
import dev.livehub.hub.Hub;
import dev.livehub.hub.testing.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis full ({@code maxmemory} with {@code noeviction}) or stopped, under a node with sessions and streams in it:
 * every page is a clear 503 page (JSON for script requests), never the container's HTML 500, and the log holds one
 * line per condition, no stack trace.
 */
@ExtendWith(OutputCaptureExtension.class)
class StoreFailuresIntegrationTests {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static final Map<String, String> BROWSER = Map.of("Accept", "text/html,*/*;q=0.8");

    @Test
    void redisFullThenDownAnswersClearPagesAndLogsOneLineEach(CapturedOutput output) throws Exception {
        try (AppNode node = AppNode.onRedis(redis.port(), Map.of())) {
            AppClient alice = AppClient.signedIn(node.url(), "alice");
            assertThat(alice.get("/tasks").statusCode()).isEqualTo(200);
            int before = output.getAll().length();

            redis.commands().configSet("maxmemory-policy", "noeviction");
            redis.commands().configSet("maxmemory", "1");
            try {
                for (int n = 0; n < 8; n++) {
                    HttpResponse<String> page = alice.get("/tasks", BROWSER);
                    assertThat(page.statusCode()).isEqualTo(503);
                    assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
                    assertThat(page.body()).contains("its store is full").contains("/css/app.css");
                }
                HttpResponse<String> json = alice.get("/api/notifications/unread");
                assertThat(json.statusCode()).isEqualTo(503);
                assertThat(json.body()).startsWith("{\"error\":\"store_full\",\"message\":\"");
            }
            finally {
                redis.commands().configSet("maxmemory", "0");
            }
            assertThat(alice.get("/tasks").statusCode()).as("back once Redis has room").isEqualTo(200);

            redis.stopKeepingData();
            try {
                for (int n = 0; n < 4; n++) {
                    HttpResponse<String> page = alice.get("/tasks", BROWSER);
                    assertThat(page.statusCode()).isEqualTo(503);
                    assertThat(page.body()).contains("cannot reach the store");
                }
                // The stream and its polling fallback answer as the stream port does: retry in 5 s, not in a minute.
                // Once the hub knows its Redis is away they say so before the session is read (which would wait for
                // the command timeout); before, the session store's failure says it.
                Hub hub = node.bean(Hub.class);
                await().atMost(Duration.ofSeconds(10)).until(() -> !hub.isLive());
                for (String path : new String[] { "/stream/app", "/stream/app/poll" }) {
                    long start = System.nanoTime();
                    HttpResponse<String> stream = alice.get(path);
                    System.out.printf("store-failures: %s answered %d in %d ms while Redis is away%n", path,
                            stream.statusCode(), (System.nanoTime() - start) / 1_000_000);
                    assertThat(stream.statusCode()).as(path).isEqualTo(503);
                    assertThat(stream.headers().firstValue("Retry-After")).as(path).hasValue("5");
                    assertThat(stream.body()).as(path).startsWith("{\"error\":\"store_unavailable\",\"message\":\"the "
                            + "event store is unavailable; retry shortly\"}");
                }
            }
            finally {
                redis.startAgain();
            }

            String log = output.getAll().substring(before);
            assertThat(log.lines().filter(line -> line.contains("Redis is full")).count()).isEqualTo(1);
            assertThat(log.lines().filter(line -> line.contains("Redis cannot be reached")).count()).isEqualTo(1);
            assertThat(log.lines().filter(line -> line.contains("StoreFailures") || line.contains("ERROR")
                    || line.startsWith("\tat ")).filter(line -> line.startsWith("\tat ")).count())
                .as("no stack trace in:\n" + log).isZero();
        }
    }
}
