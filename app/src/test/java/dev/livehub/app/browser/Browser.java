package dev.livehub.app.browser;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;

/**
 * A real headless Chromium, the system one (Debian package {@code chromium}), driven by Playwright, which downloads
 * no browser of its own. A missing browser fails the tests with what to install.
 */
final class Browser implements AutoCloseable {

    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));

    private final Playwright playwright;

    private final com.microsoft.playwright.Browser chromium;

    Browser() {
        if (!Files.isExecutable(CHROMIUM)) {
            throw new IllegalStateException("Browser tests need Chromium at " + CHROMIUM
                    + ": apt-get install chromium (.ci/run does), or set CHROMIUM to another path");
        }
        playwright = Playwright.create();
        // A page may be catching up through a poll and reconnecting within its backoff (at most 15 s).
        com.microsoft.playwright.assertions.PlaywrightAssertions.setDefaultAssertionTimeout(20_000);
        chromium = playwright.chromium().launch(new BrowserType.LaunchOptions()
            .setExecutablePath(CHROMIUM)
            .setHeadless(true)
            // Root in a container needs --no-sandbox; the rest keeps Chromium off the (closed) network.
            .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--no-first-run", "--disable-sync")));
    }

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
        chromium.close();
        playwright.close();
    }
}
