package dev.livehub.nginx;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.livehub.app.PostgresDatabase;
import dev.livehub.hub.testing.HeadlessChromium;
import dev.livehub.hub.testing.NavigatingTab;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A signed-in tab clicking through pages behind the shipped nginx.conf, two nodes: its streams go to the nodes' stream
 * ports (Netty, the session read from Redis), and it is never refused although each page lands on either node.
 */
class NginxNavigationBrowserTests {

    @TempDir
    static Path dir;

    static PostgresDatabase database;

    static Cluster cluster;

    static HeadlessChromium chromium;

    @BeforeAll
    static void up() throws Exception {
        database = new PostgresDatabase();
        Map<String, String> env = Cluster.testEnvironment(database.properties().get("spring.datasource.url"));
        env.put("JAVA_TOOL_OPTIONS", "-Xmx512m -XX:TieredStopAtLevel=1");
        // What a deployment has: the default heartbeat, per-user cap and connect rate (the load tests lift them).
        env.put("HUB_HEARTBEAT", "15s");
        env.put("HUB_MAX_CONNECTIONS_PER_USER", "16");
        env.put("HUB_CONNECT_RATE_BURST", "30");
        cluster = new Cluster(dir, env);
        cluster.up(2, Cluster.freeListenPort());
        chromium = new HeadlessChromium();
    }

    @AfterAll
    static void down() throws Exception {
        chromium.close();
        cluster.close();
        database.close();
    }

    @Test
    void aTabNavigating60PagesIn30SecondsThroughNginxIsNeverRefused() {
        BrowserContext alice = chromium.browser().newContext();
        alice.setDefaultTimeout(20_000);
        Page page = alice.newPage();
        page.navigate(cluster.url() + "/login");
        page.fill("input[name=username]", "alice");
        page.fill("input[name=password]", "demo");
        page.click("button[type=submit]");
        page.waitForURL("**/tasks**");
        NavigatingTab tab = new NavigatingTab(page);

        tab.clickThrough(cluster.url(), List.of("/tasks", "/notifications"), 60);

        assertThat(page.locator("#stream-state")).hasAttribute("data-state", "live");
        assertThat(tab.refused()).as(tab.describe()).isEmpty();
        alice.close();
    }
}
