package dev.livehub.app.browser;

import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.livehub.app.AppNode;
import dev.livehub.app.users.User;
import dev.livehub.app.users.UserRepository;
import dev.livehub.hub.Hub;
import dev.livehub.hub.Publication;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

/**
 * The app as a person uses it, in a real Chromium at 1280 px and at 390 px (a phone), on the embedded default:
 * conflicting edits, the live edit page, notifications, the activity page, toasts, sorted tables, error pages,
 * layout, times, the offline badge, and axe-core with no serious or critical violation. Screenshots go to
 * target/screenshots/.
 */
class ProductBrowserTests {

    static AppNode node;

    static Browser browser;

    @BeforeAll
    static void start() {
        node = AppNode.embedded(Map.of("hub.heartbeat", "1s", "app.change-rate.burst", "200"));
        browser = new Browser();
    }

    @AfterAll
    static void stop() {
        browser.close();
        node.close();
    }

    private static void shot(Page page, String name, int width) {
        page.screenshot(new Page.ScreenshotOptions().setFullPage(true)
            .setPath(Paths.get("target/screenshots/" + name + "-" + width + ".png")));
    }

    private static Page open(BrowserContext context, String path) {
        Page page = context.newPage();
        page.onConsoleMessage(message -> System.out.println("[browser console] " + message.text()));
        page.navigate(node.url() + path);
        assertThat(page.locator("#stream-state")).hasText("live");
        return page;
    }

    private static void noSeriousViolations(Page page, String what) {
        org.assertj.core.api.Assertions.assertThat(Axe.seriousViolations(page)).as("axe-core on " + what).isEmpty();
    }

    private static String idOf(String username) {
        return node.bean(UserRepository.class).findByUsername(username).map(User::hubId).orElseThrow();
    }

    private static String editPath(Page page, String title) {
        return TaskPages.rowOf(page, title).locator(".cell-title a").getAttribute("href");
    }

    @ParameterizedTest
    @ValueSource(ints = { 1280, 390 })
    void twoConflictingEditsTheSecondIsShownWhatChangedAndReappliesIt(int width) {
        BrowserContext bob = browser.signedIn(node.url(), "bob", width);
        BrowserContext admin = browser.signedIn(node.url(), "admin", width);
        try {
            String title = "Conflict " + width + " " + System.nanoTime();
            Page bobTasks = open(bob, "/tasks");
            TaskPages.create(bobTasks, node.url(), "carol", title);
            Page bobEdit = open(bob, editPath(bobTasks, title));

            // admin saves a new state while bob's form is open: bob's page says so at once.
            TaskPages.setState(admin.newPage(), node.url(), title, "submitted");
            assertThat(bobEdit.locator("#changed-live")).isVisible();
            assertThat(bobEdit.locator("#changed-live")).containsText("admin changed the state to Submitted");
            shot(bobEdit, "edit-changed-live", width);

            bobEdit.fill("#title", title + " revised");
            bobEdit.click("#edit-form button[type=submit]");
            assertThat(bobEdit.locator("#conflict")).isVisible();
            assertThat(bobEdit.locator("#conflict")).containsText("This task changed since you opened it");
            assertThat(bobEdit.locator("#conflict")).containsText("State: To do → Submitted");
            // bob's edit (the title) over the task as it is now (admin's state).
            assertThat(bobEdit.locator("#title")).hasValue(title + " revised");
            assertThat(bobEdit.locator("#state option:checked")).hasText("Submitted");
            noSeriousViolations(bobEdit, "the conflict page at " + width);
            shot(bobEdit, "edit-conflict", width);

            bobEdit.click("#edit-form button[type=submit]");
            bobEdit.waitForURL("**/tasks");
            assertThat(TaskPages.rowOf(bobEdit, title + " revised").locator(".cell-state")).hasText("Submitted");
        }
        finally {
            bob.close();
            admin.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { 1280, 390 })
    void aLearnerSeesTheTrainersDecisionAsTextAndHearsOfADeletion(int width) {
        BrowserContext alice = browser.signedIn(node.url(), "alice", width);
        BrowserContext bob = browser.signedIn(node.url(), "bob", width);
        try {
            String title = "Decided " + width + " " + System.nanoTime();
            Page bobPage = bob.newPage();
            TaskPages.create(bobPage, node.url(), "alice", title);
            TaskPages.setState(bobPage, node.url(), title, "validated");
            Page tasks = open(alice, "/tasks");
            Page edit = open(alice, editPath(tasks, title));
            // Nothing to change: the state is text, there is no Save.
            assertThat(edit.locator("p#state")).containsText("Validated");
            assertThat(edit.locator("select")).hasCount(0);
            assertThat(edit.locator("#edit-form button[type=submit]")).hasCount(0);
            noSeriousViolations(edit, "a learner's edit page at " + width);
            shot(edit, "edit-learner-validated", width);

            TaskPages.delete(bobPage, node.url(), title);
            assertThat(edit.locator("#changed-live")).containsText("bob deleted this task while you had it open.");
        }
        finally {
            alice.close();
            bob.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { 1280, 390 })
    void notificationsArriveLiveOpeningOneMarksItReadAndEveryTabFollows(int width) {
        BrowserContext alice = browser.signedIn(node.url(), "alice", width);
        BrowserContext bob = browser.signedIn(node.url(), "bob", width);
        try {
            Page list = open(alice, "/notifications");
            Page tasks = open(alice, "/tasks");
            list.evaluate("window.__notReloaded = true");
            list.locator("#read-all button").click();
            assertThat(tasks.locator("#bell-count")).hasText("0");
            assertThat(list.locator("#notification-list li.unread")).hasCount(0);

            String title = "Notified " + width + " " + System.nanoTime();
            TaskPages.create(bob.newPage(), node.url(), "alice", title);

            Locator first = list.locator("#notification-list li").first();
            assertThat(first).containsText(title);
            assertThat(first).hasClass(Pattern.compile("unread"));
            org.assertj.core.api.Assertions.assertThat(list.evaluate("window.__notReloaded")).isEqualTo(true);
            assertThat(tasks.locator("#bell-count")).hasText("1");
            assertThat(tasks.locator("#bell")).hasAttribute("aria-label", "1 unread notification");
            assertThat(first.locator("time")).not().hasText(Pattern.compile("T\\d\\d:"));
            noSeriousViolations(list, "/notifications at " + width);
            shot(list, "notifications", width);

            // Opening it marks it read and goes to the task; the other tab's bell follows.
            first.locator("a.open").click();
            list.waitForURL(Pattern.compile(".*/tasks/\\d+/edit"));
            assertThat(tasks.locator("#bell-count")).hasText("0");
            assertThat(tasks.locator("#bell")).hasAttribute("aria-label", "0 unread notifications");
            noSeriousViolations(list, "the edit page at " + width);
            // A learner sees the state she cannot set as text.
            shot(list, "edit-learner", width);
        }
        finally {
            alice.close();
            bob.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { 1280, 390 })
    void theActivityPageIsLiveStopsAndKeepsItsValues(int width) {
        BrowserContext admin = browser.signedIn(node.url(), "admin", width);
        try {
            Page page = open(admin, "/admin/activity");
            noSeriousViolations(page, "/admin/activity at " + width);
            page.fill("#rate", "4");
            page.fill("#seconds", "120");
            page.click("#start");
            assertThat(page.locator("#activity-status")).hasText(Pattern.compile("Running: [1-9]\\d* of 480 changes\\."));
            String seen = page.locator("#activity-status").textContent();
            // It moves without a reload.
            assertThat(page.locator("#activity-status")).not().hasText(seen);
            shot(page, "activity-running", width);
            page.click("#stop");
            assertThat(page.locator("#activity-status")).containsText("Last run:");
            assertThat(page.locator("#rate")).hasValue("4");
            assertThat(page.locator("#seconds")).hasValue("120");
            assertThat(page.locator("#start")).isEnabled();
        }
        finally {
            admin.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { 1280, 390 })
    void toastsAreCappedSummarisedDismissableAndKeepClearOfTheTable(int width) {
        BrowserContext alice = browser.signedIn(node.url(), "alice", width);
        try {
            Page page = open(alice, "/tasks");
            for (int n = 0; n < 10; n++) {
                node.bean(Hub.class).publish(List.of(idOf("alice")), Publication.of("notif",
                        "{\"items\":[{\"id\":" + (90000 + n) + ",\"title\":\"Note " + n + "\",\"body\":\"b\"}],"
                                + "\"unread\":" + (n + 1) + "}"));
            }
            // Three beside the content on a wide screen, one over the bottom of a phone's.
            int shown = width > 600 ? 3 : 1;
            assertThat(page.locator(".toast.more a")).hasText("+" + (10 - shown) + " more");
            assertThat(page.locator(".toast:not(.more)")).hasCount(shown);
            shot(page, "toasts", width);
            if (width > 600) {
                // On a wide screen the toasts sit beside the content: no link or button of the page under them.
                Object covered = page.evaluate("""
                        () => {
                          const boxes = [...document.querySelectorAll('.toast')].map(t => t.getBoundingClientRect());
                          return [...document.querySelectorAll('main a, main button, main input, main select')]
                            .map(c => c.getBoundingClientRect())
                            .filter(r => r.width > 0 && boxes.some(b => r.left < b.right && b.left < r.right
                              && r.top < b.bottom && b.top < r.bottom)).length;
                        }""");
                org.assertj.core.api.Assertions.assertThat(((Number) covered).intValue()).isZero();
            }
            page.locator(".toast:not(.more) .dismiss").first().click();
            assertThat(page.locator(".toast:not(.more)")).hasCount(shown - 1);
            noSeriousViolations(page, "/tasks with toasts at " + width);
        }
        finally {
            alice.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { 1280, 390 })
    void aTableSortedByStateRefreshesWhenAStateChangesAndHighlightsNewRows(int width) {
        BrowserContext alice = browser.signedIn(node.url(), "alice", width);
        BrowserContext bob = browser.signedIn(node.url(), "bob", width);
        try {
            Page page = open(alice, "/tasks?sort=state&dir=asc");
            assertThat(page.locator("th[aria-sort=ascending]")).containsText("State");
            String title = "Sorted " + width + " " + System.nanoTime();
            TaskPages.create(bob.newPage(), node.url(), "alice", title);
            assertThat(TaskPages.rowOf(page, title)).hasClass(Pattern.compile("flash-row"));
            TaskPages.setState(bob.newPage(), node.url(), title, "validated");
            assertThat(TaskPages.rowOf(page, title).locator(".cell-state")).hasText("Validated");
            // Refreshed in order, not patched in place.
            page.waitForFunction("() => { const v = [...document.querySelectorAll('#crud-table tbody td.cell-state')]"
                    + ".map(td => td.dataset.value); return v.every((x, i) => i === 0 || v[i - 1] <= x); }");
            noSeriousViolations(page, "/tasks at " + width);
            shot(page, "tasks-sorted", width);
        }
        finally {
            alice.close();
            bob.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { 1280, 390 })
    void aLiveRefreshKeepsFocusAndARemovedRowFadesOut(int width) {
        BrowserContext alice = browser.signedIn(node.url(), "alice", width);
        BrowserContext bob = browser.signedIn(node.url(), "bob", width);
        try {
            String doomed = "Doomed " + width + " " + System.nanoTime();
            Page bobPage = bob.newPage();
            TaskPages.create(bobPage, node.url(), "alice", doomed);
            Page page = open(alice, "/tasks");
            String doomedRow = TaskPages.rowOf(page, doomed).getAttribute("id");
            page.evaluate("() => { window.__faded = [];"
                    + " new MutationObserver(records => records.forEach(r => { if (r.target.classList"
                    + ".contains('removing')) { window.__faded.push(r.target.id); } }))"
                    + ".observe(document.querySelector('#crud-table'), { subtree: true, attributeFilter: ['class'] }); }");
            Locator focused = TaskPages.rowOf(page, "Read chapter 1 (alice)").locator(".cell-title a");
            focused.focus();
            String href = focused.getAttribute("href");

            String fresh = "Arrives while focused " + width + " " + System.nanoTime();
            TaskPages.create(bobPage, node.url(), "alice", fresh);
            assertThat(TaskPages.rowOf(page, fresh)).hasCount(1);
            // The table was replaced, and the link that had focus has it again.
            org.assertj.core.api.Assertions.assertThat(page.evaluate(
                    "document.activeElement.getAttribute('href')")).isEqualTo(href);

            TaskPages.delete(bobPage, node.url(), doomed);
            assertThat(TaskPages.rowOf(page, doomed)).hasCount(0);
            org.assertj.core.api.Assertions.assertThat(page.evaluate("window.__faded")).asList().contains(doomedRow);
        }
        finally {
            alice.close();
            bob.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { 1280, 390 })
    void longWordsWrapAndEveryActionIsReachable(int width) {
        BrowserContext bob = browser.signedIn(node.url(), "bob", width);
        try {
            String title = "W".repeat(190) + System.nanoTime() % 1000;
            TaskPages.create(bob.newPage(), node.url(), "alice", title);
            Page page = open(bob, "/tasks");
            org.assertj.core.api.Assertions.assertThat(((Number) page.evaluate(
                    "document.documentElement.scrollWidth")).intValue()).isLessThanOrEqualTo(width);
            // Only the long word breaks: the short columns beside it keep their words whole ("alice", not "ali/ce").
            org.assertj.core.api.Assertions.assertThat(page.evalOnSelectorAll(
                    "#crud-table th a, #crud-table td.cell-learner, #crud-table td.cell-trainer", """
                    cells => cells.filter(cell => {
                      const range = document.createRange();
                      range.selectNodeContents(cell);
                      return new Set([...range.getClientRects()].map(line => Math.round(line.top))).size > 1;
                    }).map(cell => cell.textContent.trim())""")).asList().isEmpty();
            for (String action : List.of("a.button.primary", "#bell", "form[action='/logout'] button")) {
                assertThat(page.locator(action)).isInViewport();
            }
            shot(page, "tasks-long-title", width);
            page.click("#row-" + page.locator("#crud-table tbody tr", new Page.LocatorOptions().setHasText(title))
                .getAttribute("id").replace("row-", "") + " .cell-title a");
            org.assertj.core.api.Assertions.assertThat(((Number) page.evaluate(
                    "document.documentElement.scrollWidth")).intValue()).isLessThanOrEqualTo(width);
            page.locator("#delete").scrollIntoViewIfNeeded();
            assertThat(page.locator("#delete")).isInViewport();
            assertThat(page.locator("#edit-form button[type=submit]")).isVisible();
            shot(page, "edit-long-title", width);
        }
        finally {
            bob.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { 1280, 390 })
    void signInAndErrorPagesAreTheAppsOwn(int width) {
        BrowserContext anonymous = browser.newContext(width);
        BrowserContext alice = browser.signedIn(node.url(), "alice", width);
        try {
            Page login = anonymous.newPage();
            login.navigate(node.url() + "/login");
            assertThat(login.locator("h1")).containsText("livehub");
            noSeriousViolations(login, "/login at " + width);
            shot(login, "login", width);

            Page missing = alice.newPage();
            missing.navigate(node.url() + "/tasks/987654/edit");
            assertThat(missing.locator("#problem")).hasText("There is no such page, or it is not yours to see.");
            noSeriousViolations(missing, "the 404 page at " + width);
            shot(missing, "error-404", width);
        }
        finally {
            anonymous.close();
            alice.close();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { 1280 })
    void theBadgeSaysOfflineAndWhenItRetries(int width) {
        BrowserContext alice = browser.signedIn(node.url(), "alice", width);
        try {
            Page page = open(alice, "/tasks");
            node.stop();
            assertThat(page.locator("#stream-state")).hasText(Pattern.compile("offline, retrying in \\d+ s"));
            shot(page, "offline", width);
            // The same session after the restart (it is kept in the database): live again, signed in.
            node.restart();
            assertThat(page.locator("#stream-state")).hasText("live",
                    new com.microsoft.playwright.assertions.LocatorAssertions.HasTextOptions().setTimeout(30_000));
        }
        finally {
            alice.close();
        }
    }
}
