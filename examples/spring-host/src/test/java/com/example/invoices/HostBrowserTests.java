package com.example.invoices;

import java.util.Map;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.livehub.hub.testing.HeadlessChromium;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

/**
 * The invoices page in a real Chromium, signed in through the plain form login: a change made in one browser shows in
 * another without a reload (the amount through the page's formatter), and a page whose session ended is told so and
 * goes to the login page, whether the hub answers 401 or an application's security redirects to its login form.
 * Streams end after 3 s here, so a page reconnects soon after its session is gone.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "hub.stream-lifetime=3s")
class HostBrowserTests {

    private static HeadlessChromium chromium;

    @LocalServerPort
    int port;

    @BeforeAll
    static void launch() {
        chromium = new HeadlessChromium();
    }

    @AfterAll
    static void quit() {
        chromium.close();
    }

    private String base() {
        return "http://localhost:" + port;
    }

    private Page signedIn(String username) {
        BrowserContext context = chromium.browser().newContext();
        context.setDefaultTimeout(20_000);
        Page page = context.newPage();
        page.navigate(base() + "/login");
        page.fill("input[name=username]", username);
        page.fill("input[name=password]", "demo");
        page.click("button[type=submit]");
        page.waitForURL("**/invoices");
        page.waitForFunction("() => AppStream.status() === 'live'");
        return page;
    }

    @Test
    void aChangeInOneBrowserShowsInAnotherWithoutAReloadThroughThePagesFormatter() {
        Page mary = signedIn("Mary Ann");
        Page jose = signedIn("josé");

        jose.fill("#customer", "Umbrella");
        jose.fill("#amount", "7.5");
        jose.click("#create");
        jose.waitForURL("**/invoices");
        String id = jose.locator("#invoices tr").last().getAttribute("id").replace("invoice-", "");
        // A create refreshes the table; the row appears in Mary Ann's page.
        assertThat(mary.locator("#invoice-" + id + " .status")).hasText("open");

        jose.click("#pay-" + id);

        assertThat(mary.locator("#invoice-" + id + " .status")).hasText("paid");
        // The event carries 7.50 as a number (7.5 once parsed); the page's formatter shows it as the table does.
        assertThat(mary.locator("#invoice-" + id + " .amount")).hasText("7.50");
        mary.context().close();
        jose.context().close();
    }

    @Test
    void aPageWhoseSessionEndedIsSignedOutAndGoesToTheLoginPage() {
        Page mary = signedIn("Mary Ann");

        // The session is gone for this browser, as after its expiry: the next reconnect gets the hub's 401.
        mary.context().clearCookies();

        mary.waitForURL("**/login");
        mary.context().close();
    }

    @Test
    void aPageRedirectedToALoginFormWhereItExpectedTheHubIsSignedOutToo() {
        Page mary = signedIn("Mary Ann");

        // What an application whose security answers the hub's paths with its login redirect sends after the
        // session ended: a 302 to the login form, for the stream and for the poll.
        mary.context().route("**/stream/app**", route -> route.fulfill(new Route.FulfillOptions().setStatus(302)
            .setHeaders(Map.of("Location", base() + "/login"))));

        mary.waitForURL("**/login");
        mary.context().close();
    }
}
