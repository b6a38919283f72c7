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
        BrowserContext context = chromium.newContext();
        context.setDefaultTimeout(15_000);
        Page page = context.newPage();
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
