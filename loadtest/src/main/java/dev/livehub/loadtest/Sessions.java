package dev.livehub.loadtest;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Browser sessions for subscribers of an app that signs its users in (the app module, or any Spring app with the
 * hub): signed in through the app's {@code /login} form, or read from a cookie file. Each session is one user, whose
 * hub id the app tells at {@code /api/me} (or the file gives).
 */
final class Sessions {

    /** A signed-in user: the hub's id for them, and the {@code Cookie} header of their session. */
    record Session(String user, String cookie) {
    }

    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"?([^\",}]+)\"?");

    private Sessions() {
    }

    /**
     * Signs each {@code user:password} in with the form a person uses (GET /login for its CSRF token, POST /login),
     * then asks {@code /api/me} for the user's hub id.
     *
     * @throws IllegalStateException with what went wrong, for a sign-in that fails
     */
    static List<Session> login(URI base, List<String> credentials) throws IOException, InterruptedException {
        List<Session> sessions = new ArrayList<>();
        for (String credential : credentials) {
            int colon = credential.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("--login takes user:password, got '" + credential + "'");
            }
            sessions.add(login(base, credential.substring(0, colon), credential.substring(colon + 1)));
        }
        return sessions;
    }

    private static Session login(URI base, String username, String password) throws IOException, InterruptedException {
        CookieManager cookies = new CookieManager();
        HttpClient http = HttpClient.newBuilder().cookieHandler(cookies).connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(base.resolve("/login")).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher csrf = CSRF.matcher(page.body());
        if (page.statusCode() != 200 || !csrf.find()) {
            throw new IllegalStateException("GET " + base.resolve("/login") + " answered " + page.statusCode()
                    + " without a sign-in form (no _csrf field)");
        }
        String form = "username=" + encode(username) + "&password=" + encode(password) + "&_csrf=" + encode(csrf.group(1));
        HttpResponse<String> signedIn = http.send(HttpRequest.newBuilder(base.resolve("/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        String location = signedIn.headers().firstValue("Location").orElse("");
        if (signedIn.statusCode() != 302 || location.contains("error")) {
            throw new IllegalStateException("sign-in of " + username + " refused (" + signedIn.statusCode() + " "
                    + location + "): check the user and password");
        }
        HttpResponse<String> me = http.send(HttpRequest.newBuilder(base.resolve("/api/me")).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher id = ID.matcher(me.body());
        if (me.statusCode() != 200 || !id.find()) {
            throw new IllegalStateException("GET /api/me as " + username + " answered " + me.statusCode()
                    + " without an \"id\": the generator needs the user's hub id");
        }
        StringBuilder header = new StringBuilder();
        cookies.getCookieStore().get(base).forEach(cookie -> header.append(header.isEmpty() ? "" : "; ")
            .append(cookie.getName()).append('=').append(cookie.getValue()));
        return new Session(id.group(1), header.toString());
    }

    /**
     * Writes sessions to a new temporary file in {@link #fromFile}'s format, in their order, readable and writable by
     * this user only (the cookies sign their users in); the caller deletes it.
     */
    static Path toFile(List<Session> sessions) throws IOException {
        Path file = Files.createTempFile("loadtest-sessions", ".txt",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        StringBuilder lines = new StringBuilder("# hub user id, then the Cookie header of the user's session\n");
        sessions.forEach(session -> lines.append(session.user()).append(' ').append(session.cookie()).append('\n'));
        return Files.writeString(file, lines);
    }

    /**
     * Sessions from a file: one per line, {@code <hub user id> <Cookie header>} (e.g.
     * {@code 42 SESSION=ZmE3...}); blank lines and lines starting with {@code #} are skipped.
     *
     * @throws IllegalArgumentException naming the line that is not such a pair
     */
    static List<Session> fromFile(Path file) throws IOException {
        List<Session> sessions = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+", 2);
            if (parts.length != 2 || !parts[1].contains("=")) {
                throw new IllegalArgumentException(file + " line " + (n + 1) + ": expected '<hub user id> <Cookie "
                        + "header>', e.g. '42 SESSION=ZmE3...'");
            }
            sessions.add(new Session(parts[0], parts[1]));
        }
        if (sessions.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no session");
        }
        return sessions;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
