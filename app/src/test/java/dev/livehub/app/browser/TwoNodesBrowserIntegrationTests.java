package dev.livehub.app.browser;

import java.util.Map;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.livehub.app.AppNode;
import dev.livehub.app.PostgresDatabase;
import dev.livehub.hub.testing.RedisServerExtension;

import java.util.LinkedHashMap;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

/**
 * The live pages on two app nodes sharing Redis and a real PostgreSQL: alice on node 1 sees what bob does on node 2.
 */
class TwoNodesBrowserIntegrationTests {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    static PostgresDatabase database;

    static AppNode node1;

    static AppNode node2;

    static Browser browser;

    @BeforeAll
    static void start() {
        database = new PostgresDatabase();
        Map<String, String> properties = new LinkedHashMap<>(database.properties());
        node1 = AppNode.onRedis(redis.port(), properties);
        node2 = AppNode.onRedis(redis.port(), properties);
        browser = new Browser();
    }

    @AfterAll
    static void stop() {
        browser.close();
        node1.close();
        node2.close();
        database.close();
    }

    @Test
    void aliceOnNodeOneSeesWhatBobDoesOnNodeTwo() {
        BrowserContext alice = browser.signedIn(node1.url(), "alice");
        BrowserContext bob = browser.signedIn(node2.url(), "bob");
        Page page = alice.newPage();
        page.navigate(node1.url() + "/tasks");
        assertThat(page.locator("#stream-state")).hasText("live");
        String unread = page.locator("#bell-count").textContent();

        Page bobPage = bob.newPage();
        TaskPages.setState(bobPage, node2.url(), "Exercise set A (alice)", "validated");

        assertThat(TaskPages.rowOf(page, "Exercise set A (alice)").locator(".cell-state")).hasText("Validated");
        assertThat(page.locator("#bell-count")).hasText(String.valueOf(Integer.parseInt(unread) + 1));

        String title = "Pair review " + System.nanoTime();
        TaskPages.create(bobPage, node2.url(), "alice", title);
        assertThat(TaskPages.rowOf(page, title)).hasCount(1);
        alice.close();
        bob.close();
    }
}
