package dev.livehub.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.livehub.hub.CrudBus;
import dev.livehub.hub.testing.HeadlessChromium;
import dev.livehub.hub.testing.TestTokens;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example page ({@code examples/page/index.html}) in a real headless Chromium, on one origin with a hub server, as
 * nginx would put them: the page gets a token from its backend's {@code /hub-token} (here a stand-in that signs
 * tokens valid for 3 s), updates its row from a pushed event, and when the token expires mid-stream it asks for a new
 * one and goes on receiving, never signed out.
 */
@SpringBootTest(classes = HubServer.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "hub.token.secret=" + TokenPageBrowserTests.SECRET, "hub.heartbeat=1s",
            // A token's stream lasts until its expiry plus the allowed clock skew: none here, so it ends at 3 s.
            "hub.token.clock-skew=0s" })
@Import(TokenPageBrowserTests.Backend.class)
class TokenPageBrowserTests {

    static final String SECRET = "page-test-secret-of-32-bytes-or-more";

    static final AtomicInteger tokensIssued = new AtomicInteger();

    private static HeadlessChromium chromium;

    @LocalServerPort
    int port;

    @Autowired
    CrudBus crudBus;

    /** The other backend's two routes, as nginx would send them: the page, and a token for its signed-in user. */
    @TestConfiguration
    @RestController
    static class Backend {

        @GetMapping("/hub-token")
        String token() {
            tokensIssued.incrementAndGet();
            return TestTokens.hs256(SECRET, "42", Duration.ofSeconds(3));
        }

        @GetMapping("/tasks")
        ResponseEntity<String> page() throws IOException {
            return ResponseEntity.ok().contentType(MediaType.TEXT_HTML)
                .body(Files.readString(Path.of("..", "examples", "page", "index.html")));
        }
    }

    @BeforeAll
    static void launch() {
        chromium = new HeadlessChromium();
    }

    @AfterAll
    static void close() {
        chromium.close();
    }

    @Test
    void thePageStaysLiveAcrossTokenExpiries() {
        try (BrowserContext context = chromium.browser().newContext()) {
            Page page = context.newPage();
            page.navigate("http://localhost:" + port + "/tasks");
            assertThat(page.locator("#status")).hasText("live");

            crudBus.publishToUsers(List.of("42"), "crud.update",
                    Map.of("model", "Task", "id", 12, "fields", Map.of("state", "done")));
            assertThat(page.locator("#row-12 .cell-state")).hasText("done");

            // The 3 s token ends the stream with auth-expired; the page fetches another and resumes.
            int issued = tokensIssued.get();
            page.waitForCondition(() -> tokensIssued.get() > issued,
                    new Page.WaitForConditionOptions().setTimeout(15_000));
            assertThat(page.locator("#status")).hasText("live");
            crudBus.publishToUsers(List.of("42"), "notif", Map.of("unread", 4));
            assertThat(page.locator("#events li")).hasCount(2);
            assertThat(page.locator("#events li").last()).containsText("\"unread\":4");
            assertThat(page.locator("#status")).not().hasText("signed-out");
        }
    }
}
