package dev.livehub.app.security;

import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import dev.livehub.app.AppClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session and the forms: CSRF on every state-changing form, a new session id at sign-in (no fixation), and a
 * session cookie that is {@code HttpOnly}, {@code SameSite=Lax}, and {@code Secure} behind TLS (nginx says so with
 * {@code X-Forwarded-Proto}). Run with the container's sessions and with Spring Session in Redis.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "app.demo-users=true")
abstract class SessionSecurityContract {

    private static final Pattern FORM = Pattern.compile("<form[^>]*method=\"post\"[^>]*>(.*?)</form>",
            Pattern.DOTALL | Pattern.CASE_INSENSITIVE);

    @LocalServerPort
    int port;

    abstract String sessionCookie();

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    @Test
    void everyStateChangingFormCarriesACsrfTokenAndNoneWorksWithout() throws Exception {
        AppClient admin = AppClient.signedIn(base(), "admin");
        String tasks = admin.get("/tasks").body();
        Matcher edit = Pattern.compile("/tasks/(\\d+)/edit").matcher(tasks);
        assertThat(edit.find()).as("a task to edit").isTrue();
        String id = edit.group(1);
        List<String> forms = new ArrayList<>();
        for (String page : List.of("/tasks", "/tasks/new", "/tasks/" + id + "/edit", "/notifications",
                "/admin/activity")) {
            Matcher form = FORM.matcher(admin.get(page).body());
            while (form.find()) {
                forms.add(page + ": " + form.group());
            }
        }
        assertThat(forms).hasSizeGreaterThanOrEqualTo(6).allSatisfy(form -> assertThat(form).contains("name=\"_csrf\""));

        HttpClient http = HttpClient.newHttpClient();
        for (String action : List.of("/tasks", "/tasks/" + id, "/tasks/" + id + "/delete", "/notifications/read-all",
                "/notifications/1/read", "/admin/activity", "/logout")) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base() + action))
                .header("Cookie", admin.cookieHeader())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("title=forged&state=done"))
                .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("POST " + action + " without a CSRF token").isEqualTo(403);
        }
        assertThat(admin.get("/api/me").statusCode()).as("still signed in: the forged sign-out did nothing")
            .isEqualTo(200);
    }

    @Test
    void signingInGivesANewSessionId() throws Exception {
        AppClient client = new AppClient(base());
        client.get("/login");
        String before = cookie(client.cookieHeader());
        assertThat(before).as("the login page starts a session (it holds the CSRF token)").isNotNull();

        client.signIn("alice", "demo");

        String after = cookie(client.cookieHeader());
        assertThat(after).isNotNull().isNotEqualTo(before);
    }

    @Test
    void theSessionCookieIsHttpOnlyLaxAndSecureBehindTls() throws Exception {
        HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
        HttpResponse<String> plain = http.send(HttpRequest.newBuilder(URI.create(base() + "/login")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> behindTls = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(base() + "/login")).header("X-Forwarded-Proto", "https").build(),
                HttpResponse.BodyHandlers.ofString());

        String plainCookie = setCookie(plain);
        String tlsCookie = setCookie(behindTls);
        assertThat(plainCookie).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Lax")
            .doesNotContainIgnoringCase("Secure");
        assertThat(tlsCookie).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Lax")
            .containsIgnoringCase("Secure");
    }

    private String setCookie(HttpResponse<?> response) {
        return response.headers().allValues("Set-Cookie").stream()
            .filter(header -> header.startsWith(sessionCookie() + "="))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no " + sessionCookie() + " cookie in " + response.headers()));
    }

    private String cookie(String header) {
        for (String part : header.split(";\\s*")) {
            if (part.startsWith(sessionCookie() + "=")) {
                return HttpCookie.parse("Set-Cookie: " + part).getFirst().getValue();
            }
        }
        return null;
    }
}
