package dev.livehub.app.browser;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;

import dev.livehub.hub.testing.HeadlessChromium;

/**
 * The shared headless Chromium ({@link HeadlessChromium}) with the demo app's sign-in.
 */
final class Browser implements AutoCloseable {

    private final HeadlessChromium headless = new HeadlessChromium();

    private final com.microsoft.playwright.Browser chromium = headless.browser();

    /** A new browser profile (its own cookies and storage), signed in as {@code username} on {@code baseUrl}. */
    BrowserContext signedIn(String baseUrl, String username) {
        return signedIn(baseUrl, username, new com.microsoft.playwright.Browser.NewContextOptions());
    }

    /** The same, with a viewport {@code width} px wide (390: a phone) and the viewer in another time zone. */
    BrowserContext signedIn(String baseUrl, String username, int width) {
        return signedIn(baseUrl, username, new com.microsoft.playwright.Browser.NewContextOptions()
            .setViewportSize(width, width < 600 ? 844 : 800).setTimezoneId("America/New_York"));
    }

    /** A new browser profile, signed out, {@code width} px wide. */
    BrowserContext newContext(int width) {
        BrowserContext context = chromium.newContext(new com.microsoft.playwright.Browser.NewContextOptions()
            .setViewportSize(width, width < 600 ? 844 : 800));
        context.setDefaultTimeout(15_000);
        return context;
    }

    private BrowserContext signedIn(String baseUrl, String username,
            com.microsoft.playwright.Browser.NewContextOptions options) {
        BrowserContext context = chromium.newContext(options);
        context.setDefaultTimeout(15_000);
        Page page = context.newPage();
        // The page the sign-in lands on is closed at once: it must not open a stream, which the node would count
        // until its next heartbeat finds it gone.
        page.route("**/hub/app-stream.js", route -> route.abort());
        page.navigate(baseUrl + "/login");
        page.fill("input[name=username]", username);
        page.fill("input[name=password]", "demo");
        page.click("button[type=submit]");
        page.waitForURL("**/tasks**");
        page.close();
        return context;
    }

    @Override
    public void close() {
        headless.close();
    }
}
