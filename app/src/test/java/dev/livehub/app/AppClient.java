package dev.livehub.app;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.livehub.hub.testing.SseClient;

/**
 * A browser-like client of one app node over real HTTP: signs in through the login form (with its CSRF token), keeps
 * the session cookie, and opens streams with it. The cookie can be carried to another node.
 */
public final class AppClient {

    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

    private final String base;

    private final CookieManager cookies = new CookieManager();

    private final HttpClient http;

    public AppClient(String base) {
        this.base = base;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).cookieHandler(cookies)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
    }

    public static AppClient signedIn(String base, String username) throws IOException, InterruptedException {
        AppClient client = new AppClient(base);
        client.signIn(username, "demo");
        return client;
    }

    public void signIn(String username, String password) throws IOException, InterruptedException {
        String page = get("/login").body();
        Matcher csrf = CSRF.matcher(page);
        if (!csrf.find()) {
            throw new AssertionError("no CSRF token on the login page: " + page);
        }
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("username", username, "password", password,
                    "_csrf", csrf.group(1)))))
            .build(), HttpResponse.BodyHandlers.ofString());
        String location = response.headers().firstValue("Location").orElse("");
        if (response.statusCode() != 302 || location.contains("error")) {
            throw new AssertionError("sign-in of " + username + " failed: " + response.statusCode() + " " + location);
        }
    }

    /** Signs out with the page's own form (POST /logout with its CSRF token). */
    public void signOut() throws IOException, InterruptedException {
        Matcher csrf = CSRF.matcher(get("/tasks").body());
        if (!csrf.find()) {
            throw new AssertionError("no CSRF token on /tasks");
        }
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/logout"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("_csrf", csrf.group(1)))))
            .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 302) {
            throw new AssertionError("sign-out failed: " + response.statusCode());
        }
    }

    /**
     * Posts a form as the page at {@code formPage} would (with that page's CSRF token), without following redirects.
     */
    public HttpResponse<String> post(String formPage, String path, Map<String, String> fields)
            throws IOException, InterruptedException {
        Matcher csrf = CSRF.matcher(get(formPage).body());
        if (!csrf.find()) {
            throw new AssertionError("no CSRF token on " + formPage);
        }
        Map<String, String> all = new HashMap<>(fields);
        all.put("_csrf", csrf.group(1));
        return http.send(HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form(all)))
            .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** GET with extra request headers (Accept, X-Requested-With). */
    public HttpResponse<String> get(String path, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).GET();
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The Cookie header this client sends, to use it from another client or node. */
    public String cookieHeader() {
        return cookies.getCookieStore().getCookies().stream().map(c -> c.getName() + "=" + c.getValue())
            .collect(Collectors.joining("; "));
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public SseClient stream() throws IOException {
        return stream("", Map.of());
    }

    /** Opens {@code /stream/app<query>} with this client's cookie and the given extra headers. */
    public SseClient stream(String query, Map<String, String> headers) throws IOException {
        return stream(base, query, headers);
    }

    /** Opens the stream of another node with this client's cookie. */
    public SseClient stream(String otherBase, String query, Map<String, String> headers) throws IOException {
        Map<String, String> all = new HashMap<>(headers);
        String cookie = cookieHeader();
        if (!cookie.isEmpty()) {
            all.put("Cookie", cookie);
        }
        return SseClient.open(otherBase + "/stream/app" + query, all);
    }

    /** {@code POST /hub/publish} with a bearer token; returns the response. */
    public static HttpResponse<String> publish(String base, String token, String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/hub/publish"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String form(Map<String, String> fields) {
        return fields.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    }
}
