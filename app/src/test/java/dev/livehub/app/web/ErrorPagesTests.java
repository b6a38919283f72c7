package dev.livehub.app.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.livehub.app.AppClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Errors answer in the app's style: a page for a browser, {@code {"error","message"}} for JSON or script requests;
 * never Spring's Whitelabel page or a stack trace. Out-of-range task pages go to one that exists.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "app.demo-users=true")
class ErrorPagesTests {

    private static final Map<String, String> BROWSER = Map.of("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");

    private static final Map<String, String> JSON = Map.of("Accept", "application/json");

    private static final Map<String, String> SCRIPT = Map.of("X-Requested-With", "XMLHttpRequest", "Accept", "*/*");

    @LocalServerPort
    int port;

    private AppClient signedIn(String user) throws Exception {
        return AppClient.signedIn("http://127.0.0.1:" + port, user);
    }

    @Test
    void notFoundIsAPageForBrowsersAndJsonForScripts() throws Exception {
        AppClient alice = signedIn("alice");
        HttpResponse<String> page = alice.get("/tasks/987654/edit", BROWSER);
        assertThat(page.statusCode()).as(page.body()).isEqualTo(404);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(page.body()).contains("There is no such page, or it is not yours to see.").contains("lang=\"en\"")
            .contains("/css/app.css").doesNotContain("Whitelabel").doesNotContain("Exception");

        for (Map<String, String> headers : java.util.List.of(JSON, SCRIPT)) {
            HttpResponse<String> json = alice.get("/tasks/987654/edit", headers);
            assertThat(json.statusCode()).isEqualTo(404);
            assertThat(json.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
            assertThat(json.body()).contains("\"error\":\"not_found\"")
                .contains("\"message\":\"There is no such page, or it is not yours to see.\"");
        }
    }

    @Test
    void forbiddenSaysWhyAndBadRequestSaysWhat() throws Exception {
        AppClient alice = signedIn("alice");
        HttpResponse<String> admin = alice.get("/admin/activity", BROWSER);
        assertThat(admin.statusCode()).isEqualTo(403);
        assertThat(admin.body()).contains("You do not have access to this page.").doesNotContain("Whitelabel");

        long task = Long.parseLong(alice.get("/tasks", BROWSER).body().replaceAll("(?s).*?id=\"row-(\\d+)\".*", "$1"));
        HttpResponse<String> delete = alice.post("/tasks", "/tasks/" + task + "/delete", Map.of());
        assertThat(delete.statusCode()).isEqualTo(403);
        assertThat(delete.body()).contains("Only a trainer or an admin deletes a task.").doesNotContain("\"timestamp\"");

        HttpResponse<String> bad = alice.get("/tasks?page=abc", BROWSER);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("The request was not understood").doesNotContain("Whitelabel");
    }

    @Test
    void aValueOfTheWrongKindIsNamedNotItsJavaType() throws Exception {
        AppClient alice = signedIn("alice");
        HttpResponse<String> page = alice.get("/tasks/abc/edit", BROWSER);
        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.body()).contains("The request was not understood: \u201cabc\u201d is not a valid id.")
            .doesNotContain("java.lang").doesNotContain("Failed to convert");
        HttpResponse<String> json = alice.get("/tasks?page=" + "9".repeat(60), JSON);
        assertThat(json.statusCode()).isEqualTo(400);
        assertThat(json.body()).contains("\u201c" + "9".repeat(40) + "\u2026\u201d is not a valid page.")
            .doesNotContain("java.lang");
    }

    @Test
    void aFormWithoutItsCsrfTokenIsSaidToHaveExpired() throws Exception {
        AppClient alice = signedIn("alice");
        for (Map<String, String> headers : java.util.List.of(BROWSER, JSON)) {
            HttpRequest.Builder post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/tasks/1"))
                .header("Cookie", alice.cookieHeader()).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("title=x&state=todo&version=0"));
            headers.forEach(post::header);
            HttpResponse<String> refused = HttpClient.newHttpClient().send(post.build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.body())
                .contains("This form has expired. Reload the page, sign in if asked, and try again.")
                .doesNotContain("You do not have access");
        }
        // A denial that is not about the token keeps its own words.
        assertThat(alice.get("/admin/activity", BROWSER).body()).contains("You do not have access to this page.");
    }

    @Test
    void aPageOutOfRangeGoesToOneThatExists() throws Exception {
        AppClient alice = signedIn("alice");
        HttpResponse<String> far = alice.get("/tasks?page=999", BROWSER);
        assertThat(far.statusCode()).isEqualTo(302);
        assertThat(far.headers().firstValue("Location").orElse("")).endsWith("/tasks?page=0&sort=updated&dir=desc");
        HttpResponse<String> negative = alice.get("/tasks?page=-1&sort=title&dir=asc", BROWSER);
        assertThat(negative.statusCode()).isEqualTo(302);
        assertThat(negative.headers().firstValue("Location").orElse("")).endsWith("/tasks?page=0&sort=title&dir=asc");
        assertThat(alice.get("/tasks?page=0", BROWSER).body()).contains("Page 1 of 1");
    }
}
