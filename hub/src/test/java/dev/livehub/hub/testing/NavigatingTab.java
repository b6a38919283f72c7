package dev.livehub.hub.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.WaitUntilState;

/**
 * One browser tab clicking through pages the way a user does (about two pages a second), each page opening its own
 * stream, and every answer of {@code /stream/app} or its poll that is not a 200: what a tab that navigates must never
 * get.
 */
public final class NavigatingTab {

    private final List<String> refused = new CopyOnWriteArrayList<>();

    private final List<String> requested = new CopyOnWriteArrayList<>();

    private final Page page;

    public NavigatingTab(Page page) {
        this.page = page;
        page.onRequest(request -> {
            if (request.url().contains("/stream/app")) {
                requested.add(request.url().replaceAll(".*/stream", ""));
            }
        });
        page.onResponse(response -> {
            // Only what Playwright has at hand: its callbacks must not wait on a response body.
            if (response.url().contains("/stream/app") && response.status() != 200) {
                refused.add(response.status() + " " + response.url() + " " + response.headers());
            }
        });
    }

    /** Visits {@code pages} pages, alternating between {@code paths} under {@code base}, one every 500 ms. */
    public void clickThrough(String base, List<String> paths, int pages) {
        long start = System.nanoTime();
        for (int n = 0; n < pages; n++) {
            page.navigate(base + paths.get(n % paths.size()),
                    new Page.NavigateOptions().setWaitUntil(WaitUntilState.DOMCONTENTLOADED));
            page.waitForTimeout(Math.max(0, 500L * (n + 1) - (System.nanoTime() - start) / 1_000_000));
        }
    }

    /** Every non-200 answer to a stream or poll request so far. */
    public List<String> refused() {
        return refused;
    }

    /** What went wrong, for an assertion's message: the stream requests made and the client's own trail. */
    public String describe() {
        return "stream requests: " + requested + "; client trail: " + page.evaluate("AppStream.debug().join(' | ')");
    }
}
