package dev.livehub.app.browser;

import java.util.List;
import java.util.Map;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.livehub.app.AppNode;
import dev.livehub.app.users.User;
import dev.livehub.app.users.UserRepository;
import dev.livehub.hub.Hub;
import dev.livehub.hub.testing.NavigatingTab;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A tab that navigates quickly opens a new stream per page, maybe before the server has seen the previous page's stream
 * close (a server that watches only its writes notices at the heartbeat). It must never be refused for them: each page
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
        Page page = alice.newPage();
        NavigatingTab tab = new NavigatingTab(page);

        tab.clickThrough(node.url(), List.of("/tasks", "/notifications"), 60);

        assertThat(page.locator("#stream-state")).hasAttribute("data-state", "live");
        assertThat(tab.refused()).as(tab.describe()).isEmpty();
        // One page, one stream: none of the 60 left behind holds a slot.
        assertThat(node.bean(Hub.class).connectionCount(aliceId)).isEqualTo(1);
        alice.close();
    }
}
