package dev.livehub.app.browser;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.WaitUntilState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.livehub.app.AppNode;
import dev.livehub.app.users.User;
import dev.livehub.app.users.UserRepository;
import dev.livehub.hub.Hub;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tab that navigates quickly opens a new stream per page while the container has not yet noticed that the previous
 * page's stream closed (Tomcat notices at its next write, the heartbeat). It must never be refused for them: each page
 * names its tab, and the tab's new stream replaces its old one; and a page being left does not poll (polls and opens
 * share the user's connect rate).
 */
class NavigationBrowserTests {

    static AppNode node;

    static Browser browser;

    @BeforeAll
    static void start() {
        // The embedded default (one port, no proxy) with its default heartbeat (15 s) and cap (16 streams a user).
        node = AppNode.embedded(Map.of());
        browser = new Browser();
    }

    @AfterAll
    static void stop() {
        browser.close();
        node.close();
    }

    @Test
    void aTabNavigating60PagesIn30SecondsIsNeverRefused() {
        String aliceId = node.bean(UserRepository.class).findByUsername("alice").map(User::hubId).orElseThrow();
        BrowserContext alice = browser.signedIn(node.url(), "alice");
        List<String> refused = new CopyOnWriteArrayList<>();
        Hub hub = node.bean(Hub.class);
        Page page = alice.newPage();
        List<String> opened = new CopyOnWriteArrayList<>();
        page.onRequest(request -> {
            if (request.url().contains("/stream/app")) {
                opened.add(request.url().replaceAll(".*/stream", ""));
            }
        });
        page.onResponse(response -> {
            if (response.url().contains("/stream/app") && response.status() != 200) {
                // (Not response.text(): Playwright's callbacks must not wait on it.)
                refused.add(response.status() + " " + response.url() + " with " + hub.connectionCount(aliceId)
                        + " streams of the user open, headers " + response.headers());
            }
        });
        long start = System.nanoTime();
        for (int n = 0; n < 60; n++) {
            page.navigate(node.url() + (n % 2 == 0 ? "/tasks" : "/notifications"),
                    new Page.NavigateOptions().setWaitUntil(WaitUntilState.DOMCONTENTLOADED));
            // About two pages a second, as a user clicking through does; the loads themselves take the rest.
            page.waitForTimeout(Math.max(0, 500 * (n + 1) - (System.nanoTime() - start) / 1_000_000));
        }
        assertThat(page.locator("#stream-state")).hasAttribute("data-state", "live");
        assertThat(refused).as("stream requests: %s; client trail: %s", opened,
                page.evaluate("AppStream.debug().join(' | ')")).isEmpty();
        // One page, one stream: none of the 60 left behind holds a slot.
        assertThat(hub.connectionCount(aliceId)).isEqualTo(1);
        alice.close();
    }
}
