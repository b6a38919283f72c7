package com.example.invoices;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.livehub.hub.testing.SseClient;

/** A browser-like client of the invoices app over real HTTP: form login with its CSRF token, and the session cookie. */
final class HostClient {

    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

    private final String base;

    private final CookieManager cookies = new CookieManager();

    private final HttpClient http;

    HostClient(String base) {
        this.base = base;
        this.http = HttpClient.newBuilder().cookieHandler(cookies).followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();
    }

    static HostClient signedIn(String base, String username) throws IOException, InterruptedException {
        HostClient client = new HostClient(base);
        HttpResponse<String> response = client.postForm("/login", "/login", Map.of("username", username,
                "password", "demo"));
        String location = response.headers().firstValue("Location").orElse("");
        if (response.statusCode() != 302 || location.contains("error")) {
            throw new AssertionError("sign-in of " + username + " failed: " + response.statusCode() + " " + location);
        }
        return client;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A request with no body and no CSRF token, as a script would send one by mistake. */
    HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path))
            .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Posts a form as the page {@code formPage} would, with the CSRF token that page carries. */
    HttpResponse<String> postForm(String formPage, String path, Map<String, String> fields)
            throws IOException, InterruptedException {
        Matcher csrf = CSRF.matcher(get(formPage).body());
        if (!csrf.find()) {
            throw new AssertionError("no CSRF token on " + formPage);
        }
        Map<String, String> all = new LinkedHashMap<>(fields);
        all.put("_csrf", csrf.group(1));
        String form = all.entrySet().stream()
            .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
        return http.send(HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The session cookie, as a request header's value ("" before any). */
    String cookieHeader() {
        return cookies.getCookieStore().getCookies().stream().map(c -> c.getName() + "=" + c.getValue())
            .collect(Collectors.joining("; "));
    }

    SseClient stream() throws IOException {
        String cookie = cookieHeader();
        return SseClient.open(base + "/stream/app", cookie.isEmpty() ? Map.of() : Map.of("Cookie", cookie));
    }
}
