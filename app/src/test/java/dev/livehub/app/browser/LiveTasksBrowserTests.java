package dev.livehub.app.browser;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.options.WaitUntilState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.livehub.app.AppNode;
import dev.livehub.app.users.User;
import dev.livehub.app.users.UserRepository;
import dev.livehub.hub.Hub;
import dev.livehub.hub.testing.RedisServerExtension;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The live task pages in a real headless Chromium: what alice sees while bob works, on one node whose streams and
 * sessions live in Redis and whose database is a file, so it can be restarted.
 */
class LiveTasksBrowserTests {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @TempDir
    static Path dataDir;

    static AppNode node;

    static Browser browser;

    static String aliceId;

    BrowserContext alice;

    BrowserContext bob;

    @BeforeAll
    static void start() {
        node = AppNode.onRedis(redis.port(), Map.of("hub.heartbeat", "500ms", "logging.level.dev.livehub.hub", "DEBUG",
                "spring.datasource.url", "jdbc:h2:file:" + dataDir.resolve("db") + ";DB_CLOSE_ON_EXIT=FALSE"));
        browser = new Browser();
        aliceId = node.bean(UserRepository.class).findByUsername("alice").map(User::hubId).orElseThrow();
    }

    @AfterAll
    static void stop() {
        browser.close();
        node.close();
    }

    @BeforeEach
    void signIn() {
        alice = browser.signedIn(node.url(), "alice");
        bob = browser.signedIn(node.url(), "bob");
    }

    @AfterEach
    void signOut() {
        alice.close();
        bob.close();
        // The node finds the closed streams at its next heartbeat.
        await().atMost(Duration.ofSeconds(10)).until(() -> node.bean(Hub.class).connectionCount() == 0);
    }

    /** Waits on the page's own thread, so Playwright keeps dispatching its events (requests, console) meanwhile. */
    private static void until(Page page, java.util.function.BooleanSupplier condition) {
        page.waitForCondition(condition, new Page.WaitForConditionOptions().setTimeout(15_000));
    }

    private static Page openTasks(BrowserContext context, String baseUrl) {
        Page page = context.newPage();
        // What the page did, in the test output, for when a scenario fails.
        page.onConsoleMessage(message -> System.out.println("[browser console] " + message.text()));
        page.onRequest(request -> {
            if (request.url().contains("/stream/")) {
                System.out.println("[browser] " + java.time.Instant.now() + " " + request.url());
            }
        });
        page.onRequestFailed(request -> System.out.println("[browser] " + java.time.Instant.now() + " failed "
                + request.url() + ": " + request.failure()));
        page.navigate(baseUrl + "/tasks");
        assertThat(page.locator("#stream-state")).hasText("live");
        // 'live' is the browser's open, a moment before the hub has read the stream's position for a client without
        // a cursor (its 'ready'): what is published in between counts as already seen. Scenarios start after it
        // (a tab that follows another tab's stream opens none).
        page.waitForFunction("() => { const trail = AppStream.debug();"
                + " return !trail.some(line => / connect /.test(line))"
                + " || trail.some(line => /event (ready|reset) /.test(line) || /connect .*last_id=/.test(line)); }");
        return page;
    }

    @Test
    void bobsEditUpdatesAlicesRowInPlaceAndHerBellRisesWithoutAReload() {
        Page page = openTasks(alice, node.url());
        String title = "Exercise set A (alice)";
        String unreadBefore = page.locator("#bell-count").textContent();
        page.evaluate("window.__notReloaded = true");
        TaskPages.setState(bob.newPage(), node.url(), title, "validated");

        assertThat(TaskPages.rowOf(page, title).locator(".cell-state")).hasText("Validated");
        assertThat(page.locator("#bell-count")).hasText(String.valueOf(Integer.parseInt(unreadBefore) + 1));
        assertThat(page.locator(".toast").first()).containsText("Task validated");
        // Updated in place: the same document, no reload, and the row was not re-fetched.
        org.assertj.core.api.Assertions.assertThat(page.evaluate("window.__notReloaded")).isEqualTo(true);
        page.screenshot(new Page.ScreenshotOptions().setPath(Paths.get("target/screenshots/tasks-live.png"))
            .setFullPage(true));
    }

    @Test
    void aTaskBobCreatesAppearsInAlicesTableAndOneHeDeletesDisappears() {
        Page page = openTasks(alice, node.url());
        String title = "Write a summary " + System.nanoTime();
        Page bobPage = bob.newPage();
        TaskPages.create(bobPage, node.url(), "alice", title);

        assertThat(TaskPages.rowOf(page, title)).hasCount(1);

        TaskPages.delete(bobPage, node.url(), title);

        assertThat(TaskPages.rowOf(page, title)).hasCount(0);
    }

    @Test
    void theTabThatMadeAChangeDoesNotRefreshForItsOwnEcho() {
        Page alicePage = openTasks(alice, node.url());
        Page bobPage = openTasks(bob, node.url());
        java.util.concurrent.atomic.AtomicInteger bobRefreshes = new java.util.concurrent.atomic.AtomicInteger();
        bobPage.onRequest(request -> {
            if ("XMLHttpRequest".equals(request.headers().get("x-requested-with"))) {
                bobRefreshes.incrementAndGet();
            }
        });
        Object bobCursor = bobPage.evaluate("AppStream.lastId()");
        String title = "Echo check " + System.nanoTime();
        TaskPages.create(bobPage, node.url(), "alice", title);
        assertThat(TaskPages.rowOf(alicePage, title)).hasCount(1);
        // Bob's tab received the crud.create of his own change (its cursor moved past it) and did not refresh.
        until(bobPage, () -> !java.util.Objects.equals(bobCursor,
                bobPage.evaluate("AppStream.lastId()")) && "live".equals(bobPage.evaluate("AppStream.status()")));
        org.assertj.core.api.Assertions.assertThat(bobRefreshes.get()).isZero();
    }

    private void publishToAlice(String event, String json) {
        node.bean(Hub.class).publish(List.of(aliceId), dev.livehub.hub.Publication.of(event, json));
    }

    private static java.util.concurrent.atomic.AtomicInteger countRefreshes(Page page) {
        java.util.concurrent.atomic.AtomicInteger refreshes = new java.util.concurrent.atomic.AtomicInteger();
        page.onRequest(request -> {
            if ("XMLHttpRequest".equals(request.headers().get("x-requested-with"))) {
                refreshes.incrementAndGet();
            }
        });
        return refreshes;
    }

    @Test
    void aHandlerThatThrowsIsLoggedAndTheOthersStillRun() {
        Page page = openTasks(alice, node.url());
        List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        page.onConsoleMessage(message -> {
            if ("error".equals(message.type())) {
                errors.add(message.text());
            }
        });
        page.evaluate("() => { window.__seen = []; AppStream.on('notif', () => { throw new Error('broken subscriber'); });"
                + " AppStream.on('notif', n => window.__seen.push(n.unread)); }");
        publishToAlice("notif", "{\"items\":[],\"unread\":7}");
        until(page, () -> "[7]".equals(String.valueOf(
                page.evaluate("JSON.stringify(window.__seen)"))));
        assertThat(page.locator("#bell-count")).hasText("7");
        until(page, () -> errors.stream().anyMatch(e -> e.contains("notif")));
    }

    @Test
    void aBurstOfChangesIsCoalescedIntoAFewRefreshes() {
        Page page = openTasks(alice, node.url());
        java.util.concurrent.atomic.AtomicInteger refreshes = countRefreshes(page);
        page.evaluate("window.__refreshed = 0; document.addEventListener('appstream:refreshed', "
                + "() => window.__refreshed++)");
        for (int n = 0; n < 20; n++) {
            publishToAlice("crud.create", "{\"model\":\"Task\",\"id\":" + (1000 + n) + "}");
        }
        until(page, () -> ((Number) page.evaluate("window.__refreshed")).intValue() >= 1
                && ((Number) page.evaluate("window.__refreshed")).intValue() == refreshes.get());
        // One refresh in flight and one trailing at a time: far fewer than the 20 events.
        org.assertj.core.api.Assertions.assertThat(refreshes.get()).isBetween(1, 4);
    }

    @Test
    void aTableBeingEditedIsNotReplacedUntilTheUserLeavesIt() {
        Page page = openTasks(alice, node.url());
        java.util.concurrent.atomic.AtomicInteger refreshes = countRefreshes(page);
        page.evaluate("const input = document.createElement('input'); input.id = 'inline-edit';"
                + "document.querySelector('#crud-table td').appendChild(input); input.focus();"
                + "window.__lastId = AppStream.lastId();");
        publishToAlice("crud.create", "{\"model\":\"Task\",\"id\":2000}");
        until(page, () -> !String.valueOf(page.evaluate("window.__lastId"))
                .equals(String.valueOf(page.evaluate("AppStream.lastId()"))));
        org.assertj.core.api.Assertions.assertThat(refreshes.get()).as("not while editing").isZero();
        assertThat(page.locator("#inline-edit")).isFocused();
        page.locator("#inline-edit").blur();
        until(page, () -> refreshes.get() == 1);
        assertThat(page.locator("#inline-edit")).hasCount(0);
    }

    @Test
    void aHiddenTabRefreshesOnceWhenShown() {
        Page page = openTasks(alice, node.url());
        java.util.concurrent.atomic.AtomicInteger refreshes = countRefreshes(page);
        // Playwright's pages are always visible: make this one say it is hidden, as a background tab does.
        page.evaluate("window.__hidden = true; Object.defineProperty(document, 'hidden', { get: () => window.__hidden });"
                + "window.__lastId = AppStream.lastId();");
        for (int n = 0; n < 5; n++) {
            publishToAlice("crud.delete", "{\"model\":\"Task\",\"id\":" + (3000 + n) + "}");
        }
        until(page, () -> String.valueOf(page.evaluate("AppStream.debug().join()"))
                .split("crud.delete").length > 5);
        org.assertj.core.api.Assertions.assertThat(refreshes.get()).as("not while hidden").isZero();
        page.evaluate("window.__hidden = false; document.dispatchEvent(new Event('visibilitychange'))");
        until(page, () -> refreshes.get() == 1);
    }

    @Test
    void withoutEventSourceThePageFallsBackToPollingAndStaysCurrent() {
        Page page = alice.newPage();
        page.addInitScript("delete window.EventSource;");
        page.navigate(node.url() + "/tasks");
        assertThat(page.locator("#stream-state")).hasText("polling");
        TaskPages.setState(bob.newPage(), node.url(), "Project proposal (alice)", "rejected");
        assertThat(TaskPages.rowOf(page, "Project proposal (alice)").locator(".cell-state")).hasText("Rejected");
    }

    /**
     * Navigates to the task list and holds the page's stream client back: the HTML is rendered (with the stream's
     * position) but the stream is not open yet. Resume the returned route to let the page go on.
     */
    private static Route openTasksHeldBack(Page page) {
        Route[] held = new Route[1];
        page.route("**/hub/app-stream.js", route -> held[0] = route);
        page.navigate(node.url() + "/tasks", new Page.NavigateOptions().setWaitUntil(WaitUntilState.COMMIT));
        until(page, () -> held[0] != null);
        return held[0];
    }

    @Test
    void aTaskCreatedWhileAlicesPageLoadsStillAppearsInIt() {
        Page page = alice.newPage();
        Route held = openTasksHeldBack(page);
        String title = "Created while the page loaded " + System.nanoTime();
        TaskPages.create(bob.newPage(), node.url(), "alice", title);
        org.assertj.core.api.Assertions.assertThat(page.content()).doesNotContain(title);

        held.resume();

        // The stream resumes from the position the page was rendered at, so the create reaches it.
        assertThat(TaskPages.rowOf(page, title)).hasCount(1);
    }

    @Test
    void aSecondTabThatLoadsWhileTheSharedStreamMovesOnCatchesUp() {
        Page first = openTasks(alice, node.url());
        Page second = alice.newPage();
        Route held = openTasksHeldBack(second);
        String title = "Created while the second tab loaded " + System.nanoTime();
        TaskPages.create(bob.newPage(), node.url(), "alice", title);
        assertThat(TaskPages.rowOf(first, title)).hasCount(1);

        held.resume();

        // The second tab follows the first tab's stream, which is past the second page's position: it reloads.
        assertThat(TaskPages.rowOf(second, title)).hasCount(1);
        org.assertj.core.api.Assertions.assertThat(second.evaluate("AppStream.role()")).isEqualTo("follower");
    }

    @Test
    void twoTabsOfAliceShareOneStreamAndBothStayLive() {
        Page first = openTasks(alice, node.url());
        Page second = openTasks(alice, node.url());
        Hub hub = node.bean(Hub.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.connectionCount(aliceId) == 1);
        org.assertj.core.api.Assertions.assertThat(List.of(first.evaluate("AppStream.role()"),
                second.evaluate("AppStream.role()"))).containsExactlyInAnyOrder("leader", "follower");

        TaskPages.setState(bob.newPage(), node.url(), "Read chapter 1 (alice)", "rejected");
        assertThat(TaskPages.rowOf(first, "Read chapter 1 (alice)").locator(".cell-state")).hasText("Rejected");
        assertThat(TaskPages.rowOf(second, "Read chapter 1 (alice)").locator(".cell-state")).hasText("Rejected");
        org.assertj.core.api.Assertions.assertThat(hub.connectionCount(aliceId)).isEqualTo(1);

        // The leader goes away: the other tab takes over the stream and stays live.
        Page leader = "leader".equals(first.evaluate("AppStream.role()")) ? first : second;
        Page follower = leader == first ? second : first;
        leader.close();
        until(follower, () -> "leader".equals(follower.evaluate("AppStream.role()")));
        TaskPages.setState(bob.newPage(), node.url(), "Read chapter 1 (alice)", "todo");
        assertThat(TaskPages.rowOf(follower, "Read chapter 1 (alice)").locator(".cell-state")).hasText("To do");
    }

    @Test
    void afterTheNodeRestartsAlicesPageResumesAndCatchesUpWhatWasPublishedMeanwhile() {
        Page page = openTasks(alice, node.url());
        String title = "Project proposal (alice)";
        String rowId = TaskPages.rowOf(page, title).getAttribute("id").replace("row-", "");
        node.stop();
        assertThat(page.locator("#stream-state")).not().hasText("live");

        // While the node is down, another service appends to alice's stream with the wire format.
        String key = "hub:{" + aliceId + "}:events";
        String json = "{\"model\":\"Task\",\"id\":" + rowId + ",\"fields\":{\"state\":\"submitted\"}}";
        String id = redis.commands().xadd(key, Map.of("event", "crud.update", "data", json));

        node.restart();
        try {
            assertThat(TaskPages.rowOf(page, title).locator(".cell-state")).hasText("Submitted",
                    new com.microsoft.playwright.assertions.LocatorAssertions.HasTextOptions().setTimeout(30_000));
        }
        catch (AssertionError ex) {
            throw new AssertionError("client trail: " + page.evaluate("AppStream.debug()") + "; streams on the node: "
                    + node.bean(Hub.class).connectionCount(), ex);
        }
        assertThat(page.locator("#stream-state")).hasText("live");
        org.assertj.core.api.Assertions.assertThat(page.evaluate("AppStream.lastId()")).isEqualTo(id);

        TaskPages.setState(bob.newPage(), node.url(), title, "in_progress");
        assertThat(TaskPages.rowOf(page, title).locator(".cell-state")).hasText("In progress");
    }

    @Test
    void aResetRefreshesTheTable() {
        Page page = openTasks(alice, node.url());
        page.evaluate("document.querySelector('#crud-table tbody').dataset.before = 'yes'");
        node.stop();
        // Redis lost alice's stream: her cursor is now unknown to it.
        redis.commands().del("hub:{" + aliceId + "}:events");
        node.restart();
        try {
            assertThat(page.locator("#crud-table tbody[data-before]")).hasCount(0,
                    new com.microsoft.playwright.assertions.LocatorAssertions.HasCountOptions().setTimeout(30_000));
        }
        catch (AssertionError ex) {
            throw new AssertionError("client trail: " + page.evaluate("AppStream.debug()") + "; streams on the node: "
                    + node.bean(Hub.class).connectionCount(), ex);
        }
        assertThat(page.locator("#crud-table tbody tr").first()).isVisible();
        assertThat(page.locator("#stream-state")).hasText("live");
    }

    @Test
    void whenTheSessionEndsThePageSaysSignedOut() {
        Page page = openTasks(alice, node.url());
        Page other = alice.newPage();
        other.navigate(node.url() + "/tasks");
        other.click("form[action='/logout'] button");
        other.waitForURL(Pattern.compile(".*/login.*"));
        // The open stream learns it at its next connect: restart the node to make it reconnect now.
        node.restart();
        assertThat(page.locator("#signed-out")).isVisible(
                new com.microsoft.playwright.assertions.LocatorAssertions.IsVisibleOptions().setTimeout(30_000));
        assertThat(page.locator("#stream-state")).hasText("signed out");
    }
}
