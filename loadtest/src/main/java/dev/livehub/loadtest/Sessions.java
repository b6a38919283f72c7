package dev.livehub.loadtest;

import java.io.IOException;
import java.io.PrintStream;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
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

    /**
     * Sign-ins at once: a few, so that one's round trips (three requests, a password check) overlap another's, and few
     * enough not to queue on a node's two cores.
     */
    static final int SIGN_INS_AT_ONCE = 6;

    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"?([^\",}]+)\"?");

    private Sessions() {
    }

    /**
     * Signs each {@code user:password} in with the form a person uses (GET /login for its CSRF token, POST /login),
     * then asks {@code /api/me} for the user's hub id. {@value #SIGN_INS_AT_ONCE} at a time; the sessions are in the
     * order of the credentials whatever order the sign-ins finish in. Prints {@code signed in N of M} to
     * {@code progress} every second while it signs in, and how long it took at the end.
     *
     * @throws IllegalArgumentException for a credential that is not {@code user:password}, before any sign-in
     * @throws IllegalStateException with what went wrong, for a sign-in that fails (the others are then abandoned)
     */
    static List<Session> login(URI base, List<String> credentials, PrintStream progress)
            throws IOException, InterruptedException {
        for (String credential : credentials) {
            if (credential.indexOf(':') <= 0) {
                throw new IllegalArgumentException("--login takes user:password, got '" + credential + "'");
            }
        }
        long started = System.nanoTime();
        AtomicInteger signedIn = new AtomicInteger();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                ExecutorService signIns = Executors.newFixedThreadPool(SIGN_INS_AT_ONCE,
                    Thread.ofVirtual().name("sign-in-", 0).factory())) {
            List<Future<Session>> pending = new ArrayList<>(credentials.size());
            for (String credential : credentials) {
                int colon = credential.indexOf(':');
                pending.add(signIns.submit(() -> {
                    Session session = loginRetried(http, base, credential.substring(0, colon),
                            credential.substring(colon + 1), progress);
                    signedIn.incrementAndGet();
                    return session;
                }));
            }
            List<Session> sessions = new ArrayList<>(credentials.size());
            long nextLine = started + TimeUnit.SECONDS.toNanos(1);
            for (Future<Session> future : pending) {
                while (!future.isDone()) {
                    try {
                        future.get(Math.max(1, nextLine - System.nanoTime()), TimeUnit.NANOSECONDS);
                    }
                    catch (TimeoutException | ExecutionException ex) {
                        // A failure is thrown below, in the order of the credentials.
                    }
                    if (System.nanoTime() >= nextLine) {
                        nextLine += TimeUnit.SECONDS.toNanos(1);
                        progress.printf("signed in %d of %d%n", signedIn.get(), credentials.size());
                    }
                }
                sessions.add(signedIn(future, signIns));
            }
            progress.printf("signed in %d users in %.1f s (%d at once)%n", sessions.size(),
                    (System.nanoTime() - started) / 1e9, SIGN_INS_AT_ONCE);
            return sessions;
        }
    }

    /** A finished sign-in's session, or its failure as the sign-in threw it (and no more sign-ins). */
    private static Session signedIn(Future<Session> done, ExecutorService signIns)
            throws IOException, InterruptedException {
        try {
            return done.get();
        }
        catch (ExecutionException ex) {
            signIns.shutdownNow();
            switch (ex.getCause()) {
                case IOException io -> throw io;
                case RuntimeException runtime -> throw runtime;
                case Error error -> throw error;
                case InterruptedException interrupted -> throw interrupted;
                default -> throw new IllegalStateException(ex.getCause());
            }
        }
    }

    /** A node not ready: the proxy's 502, 503 or 504, or no answer at all. */
    private static final class NotReady extends IOException {
        NotReady(String message) {
            super(message);
        }
    }

    private static final int SIGN_IN_ATTEMPTS = 6;

    /**
     * {@link #login} again after 1, 2, 4, 8 and 16 s when the node did not answer it (the proxy's 502-504, an I/O
     * error): nodes just started, with many generator processes signing in at once, time out some sign-ins. A
     * refusal (a wrong password, a missing form) is not tried again.
     */
    private static Session loginRetried(HttpClient http, URI base, String username, String password,
            PrintStream progress) throws IOException, InterruptedException {
        for (int attempt = 1;; attempt++) {
            try {
                return login(http, base, username, password);
            }
            catch (IOException ex) {
                if (attempt == SIGN_IN_ATTEMPTS) {
                    throw ex;
                }
                long wait = 1L << (attempt - 1);
                progress.printf("sign-in of %s failed (%s); trying again in %d s%n", username, ex.getMessage(), wait);
                TimeUnit.SECONDS.sleep(wait);
            }
        }
    }

    /** Throws {@link NotReady} for the proxy's 502-504: the node did not answer {@code what}. */
    private static void answered(HttpResponse<?> response, String what) throws NotReady {
        int status = response.statusCode();
        if (status >= 502 && status <= 504) {
            throw new NotReady(what + " answered " + status + " by the proxy");
        }
    }

    /**
     * One sign-in over the shared client, with a cookie jar of its own (the client keeps none). A client of its own
     * for each sign-in cost the generator 40 % more CPU, on the cores it shares with the node.
     */
    private static Session login(HttpClient http, URI base, String username, String password)
            throws IOException, InterruptedException {
        CookieManager cookies = new CookieManager();
        HttpResponse<String> page = send(http, cookies, HttpRequest.newBuilder(base.resolve("/login")));
        answered(page, "GET /login");
        Matcher csrf = CSRF.matcher(page.body());
        if (page.statusCode() != 200 || !csrf.find()) {
            throw new IllegalStateException("GET " + base.resolve("/login") + " answered " + page.statusCode()
                    + " without a sign-in form (no _csrf field)");
        }
        String form = "username=" + encode(username) + "&password=" + encode(password) + "&_csrf=" + encode(csrf.group(1));
        HttpResponse<String> signedIn = send(http, cookies, HttpRequest.newBuilder(base.resolve("/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form)));
        answered(signedIn, "POST /login");
        String location = signedIn.headers().firstValue("Location").orElse("");
        if (signedIn.statusCode() != 302 || location.contains("error")) {
            throw new IllegalStateException("sign-in of " + username + " refused (" + signedIn.statusCode() + " "
                    + location + "): check the user and password");
        }
        HttpResponse<String> me = send(http, cookies, HttpRequest.newBuilder(base.resolve("/api/me")));
        answered(me, "GET /api/me");
        Matcher id = ID.matcher(me.body());
        if (me.statusCode() != 200 || !id.find()) {
            throw new IllegalStateException("GET /api/me as " + username + " answered " + me.statusCode()
                    + " without an \"id\": the generator needs the user's hub id");
        }
        return new Session(id.group(1), cookieHeader(cookies, base));
    }

    /** Sends a request with the jar's cookies (one {@code Cookie} header) and keeps the cookies the answer sets. */
    private static HttpResponse<String> send(HttpClient http, CookieManager cookies, HttpRequest.Builder request)
            throws IOException, InterruptedException {
        // A request the node never answers is an I/O error (HttpTimeoutException), tried again by loginRetried.
        HttpRequest built = request.timeout(Duration.ofSeconds(30)).build();
        String cookie = cookieHeader(cookies, built.uri());
        HttpResponse<String> response = http.send(cookie.isEmpty() ? built : HttpRequest.newBuilder(built, (name,
                value) -> true).header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
        cookies.put(built.uri(), response.headers().map());
        return response;
    }

    private static String cookieHeader(CookieManager cookies, URI uri) {
        StringBuilder header = new StringBuilder();
        cookies.getCookieStore().get(uri).forEach(cookie -> header.append(header.isEmpty() ? "" : "; ")
            .append(cookie.getName()).append('=').append(cookie.getValue()));
        return header.toString();
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
