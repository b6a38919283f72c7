package dev.livehub.app.browser;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import dev.livehub.app.AppClient;
import dev.livehub.app.AppNode;
import dev.livehub.app.PostgresDatabase;
import dev.livehub.hub.Hub;
import dev.livehub.hub.Publication;
import dev.livehub.hub.console.ConsoleController;
import dev.livehub.hub.testing.RedisServerExtension;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operators' console in Chromium, on two app nodes sharing Redis: node 1's console lists both nodes (from their
 * heartbeats), finds alice's stream, pages it, tails it live, publishes a test event, replays after a confirmation that
 * says how many entries go to how many open streams, and trims; every change is logged with the admin's name. A
 * learner gets 403, a stranger 401.
 */
class ConsoleBrowserIntegrationTests {

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
        properties.put("hub.console.heartbeat", "1s");
        properties.put("hub.console.node-name", "console-node-1");
        node1 = AppNode.onRedis(redis.port(), properties);
        properties.put("hub.console.node-name", "console-node-2");
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
    void anAdminSeesTheClusterAndWorksOnAliceStream() throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        ((Logger) LoggerFactory.getLogger(ConsoleController.class)).addAppender(log);

        String alice = hubId(AppClient.signedIn(node1.url(), "alice").get("/api/me").body());
        Hub hub = node1.bean(Hub.class);
        String first = null;
        for (int i = 1; i <= 3; i++) {
            String id = hub.publish(List.of(alice), Publication.of("notif", "{\"n\":" + i + "}")).get(alice)
                .toString();
            first = first == null ? id : first;
        }

        BrowserContext aliceBrowser = browser.signedIn(node1.url(), "alice");
        Page alicePage = aliceBrowser.newPage();
        alicePage.navigate(node1.url() + "/tasks");
        assertThat(alicePage.locator("#stream-state")).hasText("live");
        // A learner is refused the page and its API (asked over HTTP: a 403 page in the browser would open a stream of
        // its own, and the count of alice's streams below would depend on when the node notices it closed).
        AppClient learner = AppClient.signedIn(node1.url(), "alice");
        assertThat(learner.get("/hub/console").statusCode()).as("a learner on the console").isEqualTo(403);
        // A browser asking for the page gets a page that says why, not raw JSON.
        var learnerPage = learner.get("/hub/console", Map.of("Accept", "text/html,*/*;q=0.8"));
        assertThat(learnerPage.statusCode()).isEqualTo(403);
        assertThat(learnerPage.body()).startsWith("<!doctype html>").contains("the console is for the ADMIN role");
        assertThat(learner.get("/hub/console/api/nodes").statusCode()).isEqualTo(403);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
            .until(() -> hub.connectionCount(alice) == 1);
        assertThat(new AppClient(node1.url()).get("/hub/console").statusCode()).isEqualTo(401);
        // Node 2's console counts alice's stream on node 1 (from node 1's heartbeat): the count is the cluster's.
        AppClient admin2 = AppClient.signedIn(node2.url(), "admin");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
            .until(() -> admin2.get("/hub/console/api/users/" + alice + "/entries").body()
                .contains("\"streams\":1,\"streamsHere\":0"));
        assertThat(admin2.get("/hub/console/api/users?match=" + alice).body()).contains("\"streams\":1");

        Page console = browser.signedIn(node1.url(), "admin").newPage();
        console.navigate(node1.url() + "/hub/console");
        assertThat(console.locator("#nodes tbody tr")).hasCount(2);
        assertThat(console.locator("#nodes tbody")).containsText("console-node-1 (answered this page)");
        assertThat(console.locator("#nodes tbody")).containsText("console-node-2");
        assertThat(console.locator("#nodes tbody tr").first()).containsText("2 of 2");

        console.fill("#search input[name=match]", alice);
        console.click("#search button");
        assertThat(console.locator("#users tbody tr")).hasCount(1);
        console.click("#users tbody a");
        assertThat(console.locator("#entries tbody tr")).hasCount(3);
        assertThat(console.locator("#stream-summary")).containsText("1 open streams on every node");

        console.check("#tail");
        hub.publish(List.of(alice), Publication.of("notif", "{\"n\":4}"));
        assertThat(console.locator("#entries tbody tr")).hasCount(4);
        console.uncheck("#tail");

        console.fill("#publish input[name=data]", "{\"test\":\"from the console\",\"big\":1e400}");
        console.click("#publish button");
        assertThat(console.locator("#message")).containsText("Published");
        assertThat(console.locator("#entries tbody tr")).hasCount(5);
        assertThat(console.locator("#entries tbody tr").last()).containsText("from the console");
        // Sent as typed: 1e400 is stored byte for byte, not as "Infinity" or null.
        assertThat(console.locator("#entries tbody tr").last()).containsText("\"big\":1e400");

        AtomicReference<String> asked = new AtomicReference<>();
        console.onceDialog(dialog -> {
            asked.set(dialog.message());
            dialog.accept();
        });
        console.fill("#replay input[name=from]", first);
        console.click("#replay button");
        assertThat(console.locator("#message")).containsText("Replayed 5 entries");
        assertThat(asked.get()).startsWith("Replay 5 entries to 1 open streams of user " + alice + " on every node?");
        assertThat(console.locator("#entries tbody tr")).hasCount(10);

        console.onceDialog(dialog -> dialog.accept());
        console.fill("#trim input[name=maxEntries]", "2");
        console.click("#trim button");
        assertThat(console.locator("#message")).containsText("Trimmed 8 entries");
        assertThat(console.locator("#entries tbody tr")).hasCount(2);

        assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage)
            .anySatisfy(line -> assertThat(line).startsWith("Console: admin published a test event 'notif' to user "
                    + alice))
            .anySatisfy(line -> assertThat(line).startsWith("Console: admin replayed 5 entries of user " + alice))
            .anySatisfy(line -> assertThat(line).startsWith("Console: admin trimmed the stream of user " + alice));
        aliceBrowser.close();
    }

    private static String hubId(String me) {
        Matcher id = Pattern.compile("\"id\"\\s*:\\s*\"?(\\d+)").matcher(me);
        assertThat(id.find()).as("the id in /api/me: %s", me).isTrue();
        return id.group(1);
    }
}
