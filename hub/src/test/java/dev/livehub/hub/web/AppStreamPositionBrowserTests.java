package dev.livehub.hub.web;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.livehub.hub.testing.HeadlessChromium;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code app-stream.js} in Chromium, with an EventSource that follows the SSE spec's last-event-id rule (an event
 * without an {@code id:} line carries the previous one): the events of a compacted catch-up that come without an id
 * (issue 14.1) are delivered, and move neither the client's position nor its stored id.
 */
class AppStreamPositionBrowserTests {

    /** Dispatches what a test tells it to, as a browser's EventSource would dispatch what a server sent. */
    private static final String SPEC_EVENT_SOURCE = """
            window.sources = [];
            class SpecEventSource extends EventTarget {
              static CONNECTING = 0; static OPEN = 1; static CLOSED = 2;
              constructor(url) { super(); this.url = url; this.readyState = 1; this.lastEventId = ''; sources.push(this); }
              // The spec: an id: line sets the last event id; an event without one carries the one before.
              serve(type, data, id) {
                if (id !== undefined) { this.lastEventId = id; }
                this.dispatchEvent(new MessageEvent(type, { data: data, lastEventId: this.lastEventId }));
              }
              close() { this.readyState = 2; }
            }
            window.EventSource = SpecEventSource;
            """;

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
    @SuppressWarnings("unchecked")
    void eventsWithoutAnIdAreDeliveredAndLeaveThePositionWhereItWas() throws Exception {
        String client;
        try (InputStream in = getClass().getResourceAsStream("/static/hub/app-stream.js")) {
            client = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try (BrowserContext context = chromium.browser().newContext()) {
            Page page = context.newPage();
            page.route("http://hub.test/**", route -> route.fulfill(new Route.FulfillOptions()
                .setContentType("text/html").setBody("<!doctype html><title>t</title>")));
            page.navigate("http://hub.test/");
            page.addScriptTag(new Page.AddScriptTagOptions().setContent(SPEC_EVENT_SOURCE));
            page.addScriptTag(new Page.AddScriptTagOptions().setContent(client));
            Map<String, Object> result = (Map<String, Object>) page.evaluate("""
                    () => {
                      const got = [];
                      AppStream.on('crud.update', (data, meta) => got.push(data.id + ' ' + (meta.id || '-') + ' '
                          + AppStream.lastId()));
                      AppStream.start({ user: '42', lastId: '100-0', compact: true });
                      const source = sources[0];
                      source.serve('crud.update', '{"model":"Task","id":1}');
                      const storedBefore = localStorage.getItem('appstream:last:42');
                      source.serve('crud.update', '{"model":"Task","id":2}', '150-0');
                      source.serve('crud.update', '{"model":"Task","id":3}');
                      const storedMiddle = localStorage.getItem('appstream:last:42');
                      source.serve('compacted', '{"entries":9,"events":3,"last_id":"170-0"}', '170-0');
                      return { got, url: source.url, storedBefore: String(storedBefore), storedMiddle,
                               storedAfter: localStorage.getItem('appstream:last:42') };
                    }
                    """);
            // The tab's own id (random) comes first; the position and compaction are what this test is about.
            assertThat((String) result.get("url")).matches("/stream/app\\?tab=[0-9a-f]{32}&last_id=100-0&compact=1");
            // Each: the record, the id the subscriber was handed ('-': none), the client's position after it.
            assertThat((List<String>) result.get("got")).containsExactly("1 - 100-0", "2 150-0 150-0", "3 - 150-0");
            assertThat(result.get("storedBefore")).isEqualTo("null");
            assertThat(result.get("storedMiddle")).isEqualTo("150-0");
            assertThat(result.get("storedAfter")).isEqualTo("170-0");
        }
    }
}
