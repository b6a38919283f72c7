package dev.livehub.hub.web;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.livehub.hub.testing.HeadlessChromium;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code app-stream.js} in Chromium against a hub that refuses the user for good ({@code 403 bad_user}, a user id
 * over 256 characters): the client says live updates are unavailable and stops, instead of retrying for ever; any
 * other 403 is retried like a failure.
 */
class AppStreamRefusalBrowserTests {

    private static HeadlessChromium chromium;

    @BeforeAll
    static void launch() {
        chromium = new HeadlessChromium();
    }

    @AfterAll
    static void quit() {
        chromium.close();
    }

    @Test
    void aPermanentBadUserRefusalStopsTheClientWithStatusUnavailable() throws Exception {
        List<String> requests = new CopyOnWriteArrayList<>();
        try (BrowserContext context = chromium.browser().newContext()) {
            Page page = started(context, requests,
                    "{\"error\":\"bad_user\",\"message\":\"a user id has 1 to 256 characters\"}");
            page.waitForFunction("() => AppStream.status() === 'unavailable'");
            // Longer than the first backoffs (0.5 to 1.5 s, then 1 to 3 s): a retrying client would have asked again.
            page.waitForTimeout(4_000);

            // The stream, then the poll that asks why; nothing after.
            assertThat(requests).hasSize(2);
            assertThat(page.evaluate("() => states.join(',')")).isEqualTo("connecting,unavailable");
        }
    }

    @Test
    void anotherForbiddenAnswerIsRetriedWithBackoff() throws Exception {
        List<String> requests = new CopyOnWriteArrayList<>();
        try (BrowserContext context = chromium.browser().newContext()) {
            Page page = started(context, requests, "{\"error\":\"forbidden\"}");

            // Playwright answers routes only while the test is in one of its calls: wait in one.
            page.waitForCondition(() -> requests.size() >= 4, new Page.WaitForConditionOptions().setTimeout(15_000));
            assertThat(page.evaluate("() => states")).asString().contains("offline").doesNotContain("unavailable");
        }
    }

    /** A page on which AppStream started against a hub that answers {@code body} with a 403 to everything. */
    private Page started(BrowserContext context, List<String> requests, String body) throws Exception {
        String client;
        try (InputStream in = getClass().getResourceAsStream("/static/hub/app-stream.js")) {
            client = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Page page = context.newPage();
        page.route("http://hub.test/**", route -> {
            if (route.request().url().contains("/stream/app")) {
                requests.add(route.request().url());
                route.fulfill(new Route.FulfillOptions().setStatus(403).setContentType("application/json")
                    .setBody(body));
            }
            else {
                route.fulfill(new Route.FulfillOptions().setContentType("text/html")
                    .setBody("<!doctype html><title>t</title>"));
            }
        });
        page.navigate("http://hub.test/");
        page.addScriptTag(new Page.AddScriptTagOptions().setContent(client));
        page.evaluate("() => { window.states = []; AppStream.on('status', e => states.push(e.state)); "
                + "AppStream.start({ user: 'L' }); }");
        return page;
    }
}
