package dev.livehub.hub.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;

/**
 * A real headless Chromium, the system one (Debian package {@code chromium}), driven by Playwright, which downloads
 * no browser of its own. A missing browser fails the tests with what to install.
 */
public final class HeadlessChromium implements AutoCloseable {

    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));

    private final Playwright playwright;

    private final Browser browser;

    public HeadlessChromium() {
        if (!Files.isExecutable(CHROMIUM)) {
            throw new IllegalStateException("Browser tests need Chromium at " + CHROMIUM
                    + ": apt-get install chromium (.ci/run does), or set CHROMIUM to another path");
        }
        playwright = Playwright.create();
        // A page may be catching up through a poll and reconnecting within its backoff (at most 15 s).
        com.microsoft.playwright.assertions.PlaywrightAssertions.setDefaultAssertionTimeout(20_000);
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
            .setExecutablePath(CHROMIUM)
            .setHeadless(true)
            // Root in a container needs --no-sandbox; the rest keeps Chromium off the (closed) network.
            .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--no-first-run", "--disable-sync")));
    }

    public Browser browser() {
        return browser;
    }

    @Override
    public void close() {
        browser.close();
        playwright.close();
    }
}
