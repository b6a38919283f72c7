package dev.livehub.app.browser;

import java.util.Map;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.livehub.app.AppNode;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

/**
 * The admin's simulated activity, on the embedded default (memory engine, H2): alice's page moves while it runs.
 */
class ActivityBrowserTests {

    static AppNode node;

    static Browser browser;

    @BeforeAll
    static void start() {
        node = AppNode.embedded(Map.of());
        browser = new Browser();
    }

    @AfterAll
    static void stop() {
        browser.close();
        node.close();
    }

    @Test
    void simulatedActivityMovesAlicesPage() {
        BrowserContext alice = browser.signedIn(node.url(), "alice");
        BrowserContext admin = browser.signedIn(node.url(), "admin");
        Page page = alice.newPage();
        page.navigate(node.url() + "/tasks");
        assertThat(page.locator("#stream-state")).hasText("live");
        page.evaluate("() => { window.__changes = 0; AppStream.on('crud.update', () => window.__changes++); }");

        Page adminPage = admin.newPage();
        adminPage.navigate(node.url() + "/admin/activity");
        adminPage.fill("input[name=rate]", "50");
        adminPage.fill("input[name=seconds]", "2");
        adminPage.click("main button[type=submit]");
        assertThat(adminPage.locator(".flash")).containsText("Started: 50 changes per second for 2 s");

        // About a third of the 100 changes hit alice's tasks; some arrive as her page watches.
        page.waitForCondition(() -> ((Number) page.evaluate("window.__changes")).intValue() >= 5,
                new Page.WaitForConditionOptions().setTimeout(15_000));
        Page learnerOnAdmin = alice.newPage();
        learnerOnAdmin.navigate(node.url() + "/admin/activity");
        assertThat(learnerOnAdmin.locator("body")).not().containsText("Simulated activity");
        alice.close();
        admin.close();
    }
}
