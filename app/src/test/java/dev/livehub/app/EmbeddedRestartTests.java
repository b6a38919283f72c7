package dev.livehub.app;

import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded default (memory engine, H2 file under {@code app.data-dir}, sessions in it) loses nothing on a restart:
 * tasks, notifications, and the signed-in session.
 */
class EmbeddedRestartTests {

    @Test
    void aRestartKeepsTasksNotificationsAndTheSignedInSession() throws Exception {
        try (AppNode node = AppNode.embedded(Map.of())) {
            AppClient bob = AppClient.signedIn(node.url(), "bob");
            AppClient alice = AppClient.signedIn(node.url(), "alice");
            String title = "Kept across a restart " + System.nanoTime();
            String learner = alice.get("/api/me").body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
            HttpResponse<String> created = bob.post("/tasks/new", "/tasks", Map.of("learnerId", learner,
                    "title", title));
            assertThat(created.statusCode()).isEqualTo(302);
            String unread = alice.get("/api/notifications/unread").body();
            assertThat(unread).doesNotContain("\"unread\":0");

            node.restart();

            // The same cookies, no new sign-in.
            HttpResponse<String> tasks = alice.get("/tasks");
            assertThat(tasks.statusCode()).as("still signed in").isEqualTo(200);
            assertThat(tasks.body()).contains(title);
            assertThat(alice.get("/api/notifications/unread").body()).isEqualTo(unread);
            assertThat(alice.get("/notifications").body()).contains("bob gave you &quot;" + title + "&quot;");
            assertThat(bob.get("/api/me").statusCode()).isEqualTo(200);
        }
    }
}
