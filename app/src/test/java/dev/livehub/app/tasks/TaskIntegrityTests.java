package dev.livehub.app.tasks;

import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.livehub.app.AppClient;
import dev.livehub.app.notifications.Notification;
import dev.livehub.app.notifications.NotificationService;
import dev.livehub.app.users.User;
import dev.livehub.app.users.UserRepository;
import dev.livehub.hub.Hub;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the server refuses whatever the form sent, over real HTTP with forms posted directly: a state transition that is
 * not the user's, a save from an old version (shown what changed, and re-applied), too many changes; a change that
 * changes nothing publishes nothing; and a refused form comes back with what the user typed and the reason in words.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "app.demo-users=true", "app.change-rate.burst=8", "app.change-rate.per-second=0.01" })
class TaskIntegrityTests {

    @LocalServerPort
    int port;

    @Autowired
    TaskRepository tasks;

    @Autowired
    UserRepository users;

    @Autowired
    NotificationService notifications;

    @Autowired
    Hub hub;

    @Autowired
    JdbcClient jdbc;

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    private Task task(String title) {
        long id = jdbc.sql("SELECT id FROM tasks WHERE title = ?").param(title).query(Long.class).single();
        return tasks.findById(id).orElseThrow();
    }

    private User user(String name) {
        return users.findByUsername(name).orElseThrow();
    }

    private static HttpResponse<String> save(AppClient client, Task task, String title, String state, long version)
            throws Exception {
        return client.post("/tasks/" + task.id() + "/edit", "/tasks/" + task.id(), Map.of("title", title,
                "state", state, "version", Long.toString(version), "baseTitle", task.title(),
                "baseState", task.state()));
    }

    @Test
    void aLearnerCannotUndoTheTrainersValidationEvenWithAForgedForm() throws Exception {
        Task task = task("Read chapter 1 (alice)");
        AppClient bob = AppClient.signedIn(base(), "bob");
        assertThat(save(bob, task, task.title(), "validated", task.version()).statusCode()).isEqualTo(302);
        Task validated = tasks.findById(task.id()).orElseThrow();
        assertThat(validated.state()).isEqualTo("validated");
        long bobsUnread = notifications.unread(user("bob").id());
        String bobsStream = hub.lastId(user("bob").hubId()).toString();

        AppClient alice = AppClient.signedIn(base(), "alice");
        // The page offers nothing to change: the state is read-only text.
        String page = alice.get("/tasks/" + task.id() + "/edit").body();
        assertThat(page).doesNotContain("<select").contains("Validated").contains("Only the trainer changes it now");

        HttpResponse<String> forged = save(alice, validated, validated.title(), "todo", validated.version());

        assertThat(forged.statusCode()).isEqualTo(302);
        assertThat(forged.headers().firstValue("Location").orElse("")).endsWith("/tasks/" + task.id() + "/edit");
        assertThat(alice.get("/tasks/" + task.id() + "/edit").body())
            .contains("You cannot move this task from Validated to To do: it was validated by the trainer.");
        assertThat(tasks.findById(task.id()).orElseThrow().state()).isEqualTo("validated");
        assertThat(notifications.unread(user("bob").id())).isEqualTo(bobsUnread);
        assertThat(hub.lastId(user("bob").hubId()).toString()).isEqualTo(bobsStream);
    }

    @Test
    void aLearnerMovesTheirTaskAlongTheirOwnTransitionsOnly() throws Exception {
        Task task = task("Read chapter 1 (carol)");
        AppClient carol = AppClient.signedIn(base(), "carol");
        assertThat(save(carol, task, task.title(), "submitted", task.version()).statusCode()).isEqualTo(302);
        assertThat(tasks.findById(task.id()).orElseThrow().state()).as("todo to submitted skips the work")
            .isEqualTo("todo");
        assertThat(save(carol, task, task.title(), "in_progress", task.version()).statusCode()).isEqualTo(302);
        Task started = tasks.findById(task.id()).orElseThrow();
        assertThat(started.state()).isEqualTo("in_progress");
        assertThat(save(carol, started, "Renamed by carol", "in_progress", started.version()).statusCode())
            .isEqualTo(302);
        assertThat(tasks.findById(task.id()).orElseThrow().title()).isEqualTo(task.title());
    }

    @Test
    void aSaveFromAnOldVersionIsRefusedShownWhatChangedAndCanBeReapplied() throws Exception {
        Task opened = task("Exercise set A (dave)");
        AppClient bob = AppClient.signedIn(base(), "bob");
        AppClient admin = AppClient.signedIn(base(), "admin");
        // admin saves first, from the same version bob's form holds.
        assertThat(save(admin, opened, opened.title(), "submitted", opened.version()).statusCode()).isEqualTo(302);

        HttpResponse<String> stale = save(bob, opened, "Exercise set A, revised", opened.state(), opened.version());

        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(stale.body()).contains("This task changed since you opened it").contains("admin")
            .contains("<strong>State</strong>: <span>To do</span>").contains("<span>Submitted</span>")
            .contains("value=\"Exercise set A, revised\"").contains("Save my edit again");
        Task now = tasks.findById(opened.id()).orElseThrow();
        assertThat(now.title()).as("not overwritten").isEqualTo(opened.title());
        assertThat(now.state()).isEqualTo("submitted");

        // Re-applied from the version the conflict page holds: both edits stand.
        assertThat(save(bob, now, "Exercise set A, revised", now.state(), now.version()).statusCode()).isEqualTo(302);
        Task both = tasks.findById(opened.id()).orElseThrow();
        assertThat(both.title()).isEqualTo("Exercise set A, revised");
        assertThat(both.state()).isEqualTo("submitted");
        assertThat(both.version()).isEqualTo(opened.version() + 2);
    }

    @Test
    void aRefusedNewTaskComesBackWithWhatWasTypedAndWhy() throws Exception {
        AppClient bob = AppClient.signedIn(base(), "bob");
        String alice = Long.toString(user("alice").id());
        String tooLong = "x".repeat(201);

        HttpResponse<String> refused = bob.post("/tasks/new", "/tasks", Map.of("learnerId", alice, "title", tooLong));

        assertThat(refused.statusCode()).isEqualTo(302);
        assertThat(refused.headers().firstValue("Location").orElse("")).endsWith("/tasks/new");
        assertThat(bob.get("/tasks/new").body()).contains("A title has 1 to 200 characters.")
            .contains("value=\"" + tooLong + "\"").contains("selected=\"selected\">alice</option>");

        bob.post("/tasks/new", "/tasks", Map.of("learnerId", "999", "title", "Kept title"));
        assertThat(bob.get("/tasks/new").body()).contains("There is no learner 999.").contains("value=\"Kept title\"");
        // Shown once: the next visit is an empty form.
        assertThat(bob.get("/tasks/new").body()).doesNotContain("Kept title").doesNotContain("no learner");
        assertThat(jdbc.sql("SELECT COUNT(*) FROM tasks WHERE title IN (?, ?)").params(tooLong, "Kept title")
            .query(Integer.class).single()).isZero();
    }

    @Test
    void aRefusedEditComesBackWithWhatWasTypedAndWhy() throws Exception {
        Task task = task("Project proposal (alice)");
        AppClient bob = AppClient.signedIn(base(), "bob");
        String tooLong = "y".repeat(201);

        HttpResponse<String> refused = save(bob, task, tooLong, "in_progress", task.version());

        assertThat(refused.headers().firstValue("Location").orElse("")).endsWith("/tasks/" + task.id() + "/edit");
        assertThat(bob.get("/tasks/" + task.id() + "/edit").body()).contains("A title has 1 to 200 characters.")
            .contains("value=\"" + tooLong + "\"").contains("value=\"in_progress\" selected=\"selected\"");
        assertThat(tasks.findById(task.id()).orElseThrow()).isEqualTo(task);
    }

    @Test
    void aRefusedActivityRunSaysWhyInWords() throws Exception {
        AppClient admin = AppClient.signedIn(base(), "admin");
        admin.post("/admin/activity", "/admin/activity", Map.of("rate", "100000", "seconds", "8"));
        assertThat(admin.get("/admin/activity").body())
            .contains("The rate is 1 to 200 changes per second and the duration 1 to 600 seconds.")
            .contains("value=\"100000\"").contains("value=\"8\"");
    }

    @Test
    void theNotificationSaysWhatChangedNotTheStatesHeadline() throws Exception {
        jdbc.sql("UPDATE tasks SET state = 'submitted' WHERE title = ?").param("Exercise set A (carol)").update();
        Task submitted = task("Exercise set A (carol)");
        long carol = user("carol").id();

        save(AppClient.signedIn(base(), "bob"), submitted, "Exercise set A, part 2", "submitted", submitted.version());

        Notification renamed = notifications.latest(carol).getFirst();
        assertThat(renamed.title()).isEqualTo("Task renamed");
        assertThat(renamed.body()).isEqualTo("bob renamed \"Exercise set A (carol)\" to \"Exercise set A, part 2\"");

        Task now = tasks.findById(submitted.id()).orElseThrow();
        save(AppClient.signedIn(base(), "admin"), now, now.title(), "validated", now.version());

        Notification validated = notifications.latest(carol).getFirst();
        assertThat(validated.title()).isEqualTo("Task validated");
        assertThat(validated.body()).isEqualTo("admin moved \"Exercise set A, part 2\" to Validated");
    }

    @Test
    void anUpdateThatChangesNothingPublishesNothing() throws Exception {
        Task task = task("Project proposal (erin)");
        AppClient erin = AppClient.signedIn(base(), "erin");
        String bobsStream = hub.lastId(user("bob").hubId()).toString();
        String adminsStream = hub.lastId(user("admin").hubId()).toString();
        long bobsUnread = notifications.unread(user("bob").id());

        for (int n = 0; n < 3; n++) {
            assertThat(save(erin, task, task.title(), task.state(), task.version()).statusCode()).isEqualTo(302);
        }

        assertThat(hub.lastId(user("bob").hubId()).toString()).isEqualTo(bobsStream);
        assertThat(hub.lastId(user("admin").hubId()).toString()).isEqualTo(adminsStream);
        assertThat(notifications.unread(user("bob").id())).isEqualTo(bobsUnread);
        assertThat(tasks.findById(task.id()).orElseThrow().version()).isEqualTo(task.version());
    }

    @Test
    void tooManyChangesAreRefusedWithHowLongToWait() throws Exception {
        Task task = task("Project proposal (dave)");
        AppClient dave = AppClient.signedIn(base(), "dave");
        HttpResponse<String> last = null;
        for (int n = 0; n < 12 && (last == null || last.statusCode() != 429); n++) {
            last = save(dave, task, task.title(), task.state(), task.version());
        }
        assertThat(last.statusCode()).isEqualTo(429);
        assertThat(last.headers().firstValue("Retry-After")).isPresent();
        assertThat(last.body()).contains("You are making changes too quickly. Wait ").doesNotContain("Whitelabel");
    }
}
