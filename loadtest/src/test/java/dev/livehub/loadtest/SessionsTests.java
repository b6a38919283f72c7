package dev.livehub.loadtest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The cookie file of --cookie-file, and signing in several users at a time. The sign-ins here go to a small server in
 * the app's sign-in shape ({@link SignInServer}), which can hold one sign-in back until the others are done: the real
 * app cannot be made to answer out of order (it signs in the generator's users through the real form in the nginx
 * module's cluster test).
 */
class SessionsTests {

    @TempDir
    Path dir;

    private final SignInServer server = new SignInServer();

    @AfterEach
    void stop() {
        server.stop();
    }

    @Test
    void aCookieFileHoldsOneSessionALineAndSkipsCommentsAndBlankLines() throws Exception {
        Path file = Files.writeString(dir.resolve("cookies.txt"), """
                # hub user id, then the Cookie header of the user's session
                42 SESSION=ZmE3; theme=dark

                43   SESSION=YmI4
                """);
        assertThat(Sessions.fromFile(file)).containsExactly(new Sessions.Session("42", "SESSION=ZmE3; theme=dark"),
                new Sessions.Session("43", "SESSION=YmI4"));
    }

    @Test
    void aLineThatIsNotAUserAndACookieIsNamed() throws Exception {
        Path file = Files.writeString(dir.resolve("cookies.txt"), "42 SESSION=a\nSESSION=b\n");
        assertThatThrownBy(() -> Sessions.fromFile(file)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("line 2").hasMessageContaining("<hub user id> <Cookie header>");
        Path empty = Files.writeString(dir.resolve("empty.txt"), "# nothing\n");
        assertThatThrownBy(() -> Sessions.fromFile(empty)).hasMessageContaining("holds no session");
    }

    @Test
    void aRunWithABadCookieFileStopsWithOneLineThatSaysWhy() throws Exception {
        Path file = Files.writeString(dir.resolve("cookies.txt"), "not-a-session-line\n");
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine command = LoadTest.commandLine();
        command.setErr(new java.io.PrintWriter(err, true));
        int status = command.execute("steady", "--url", "http://127.0.0.1:9", "--cookie-file", file.toString());
        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).startsWith("loadtest: ").contains("line 1").doesNotContain("\tat ");
    }

    @Test
    void theSessionsWrittenForHelperProcessesReadBackInTheirOrder() throws Exception {
        List<Sessions.Session> sessions = List.of(new Sessions.Session("42", "SESSION=ZmE3; theme=dark"),
                new Sessions.Session("7", "SESSION=YmI4"), new Sessions.Session("42", "SESSION=Y2M5"));

        Path file = Sessions.toFile(sessions);
        try {
            assertThat(Sessions.fromFile(file)).isEqualTo(sessions);
            // The cookies sign their users in.
            assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE);
        }
        finally {
            Files.delete(file);
        }
    }

    @Test
    void usersSignedInAFewAtATimeComeBackInTheOrderOfTheirCredentials() throws Exception {
        List<String> credentials = IntStream.rangeClosed(1, 12).mapToObj(n -> "bench" + n + ":demo").toList();
        // bench1's sign-in is answered only once every other user has signed in: it finishes last.
        server.holdBack("bench1", credentials.size() - 1);
        server.start();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();

        List<Sessions.Session> sessions = Sessions.login(server.url(), credentials,
                new PrintStream(progress, true, StandardCharsets.UTF_8));

        assertThat(sessions).containsExactlyElementsOf(IntStream.rangeClosed(1, 12)
            .mapToObj(n -> new Sessions.Session("id-bench" + n, "SESSION=signed-in-bench" + n)).toList());
        assertThat(server.signedIn).hasSize(12).endsWith("bench1");
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("signed in 12 users in");
    }

    @Test
    void aRefusedSignInSaysWhoWasRefusedAndWhy() throws Exception {
        server.start();
        List<String> credentials = List.of("bench1:demo", "bench2:wrong", "bench3:demo");

        assertThatThrownBy(() -> Sessions.login(server.url(), credentials, quiet()))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("sign-in of bench2 refused (302 /login?error): check the user and password");
    }

    @Test
    void aCredentialWithoutAPasswordStopsTheRunBeforeAnyoneSignsIn() throws Exception {
        server.start();
        List<String> credentials = List.of("bench1:demo", "bench2", "bench3:demo");

        assertThatThrownBy(() -> Sessions.login(server.url(), credentials, quiet()))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("--login takes user:password, got 'bench2'");
        assertThat(server.formsServed).hasValue(0);
    }

    private static PrintStream quiet() {
        return new PrintStream(OutputStream.nullOutputStream());
    }

    /**
     * The app's sign-in, in its shape: {@code GET /login} sets a session cookie and serves a form with a CSRF token of
     * that session; {@code POST /login} checks both, and the password {@code demo}, and answers 302 to {@code /} with a
     * new session cookie (as Spring Security does on sign-in) or to {@code /login?error}; {@code GET /api/me} answers
     * the session's user's hub id. Each sign-in's cookies must be its own: a session cookie of another sign-in is
     * refused, or names another user.
     */
    static final class SignInServer {

        final List<String> signedIn = new CopyOnWriteArrayList<>();

        final AtomicInteger formsServed = new AtomicInteger();

        private final Map<String, String> csrfOfSession = new ConcurrentHashMap<>();

        private final AtomicInteger sessions = new AtomicInteger();

        private HttpServer http;

        private String heldBack;

        private CountDownLatch othersSignedIn = new CountDownLatch(0);

        /** {@code user}'s POST /login is answered once {@code others} other users have signed in (10 s at most). */
        void holdBack(String user, int others) {
            heldBack = user;
            othersSignedIn = new CountDownLatch(others);
        }

        void start() throws IOException {
            http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
            http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            http.createContext("/login", this::login);
            http.createContext("/api/me", this::me);
            http.start();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
        }

        void stop() {
            if (http != null) {
                http.stop(0);
            }
        }

        private void login(HttpExchange exchange) throws IOException {
            if (exchange.getRequestMethod().equals("GET")) {
                String session = "anonymous-" + sessions.incrementAndGet();
                String csrf = "csrf-" + session;
                csrfOfSession.put(session, csrf);
                formsServed.incrementAndGet();
                exchange.getResponseHeaders().add("Set-Cookie", "SESSION=" + session + "; Path=/; HttpOnly");
                answer(exchange, 200, "<form method=\"post\"><input type=\"hidden\" name=\"_csrf\" value=\"" + csrf
                        + "\"/></form>");
                return;
            }
            Map<String, String> form = new HashMap<>();
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            for (String pair : body.split("&")) {
                String[] parts = pair.split("=", 2);
                form.put(URLDecoder.decode(parts[0], StandardCharsets.UTF_8),
                        URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
            }
            String session = session(exchange);
            if (session == null || !form.get("_csrf").equals(csrfOfSession.get(session))) {
                answer(exchange, 403, "CSRF token of another session");
                return;
            }
            String user = form.get("username");
            boolean othersDone = true;
            if (user.equals(heldBack)) {
                try {
                    othersDone = othersSignedIn.await(10, TimeUnit.SECONDS);
                }
                catch (InterruptedException ex) {
                    othersDone = false;
                }
            }
            if (!form.get("password").equals("demo") || !othersDone) {
                exchange.getResponseHeaders().add("Location", "/login?error");
                answer(exchange, 302, "");
                return;
            }
            exchange.getResponseHeaders().add("Set-Cookie", "SESSION=signed-in-" + user + "; Path=/; HttpOnly");
            exchange.getResponseHeaders().add("Location", "/");
            answer(exchange, 302, "");
        }

        private void me(HttpExchange exchange) throws IOException {
            String session = session(exchange);
            if (session == null || !session.startsWith("signed-in-")) {
                answer(exchange, 401, "");
                return;
            }
            String user = session.substring("signed-in-".length());
            signedIn.add(user);
            if (!user.equals(heldBack)) {
                othersSignedIn.countDown();
            }
            answer(exchange, 200, "{\"id\":\"id-" + user + "\",\"username\":\"" + user + "\"}");
        }

        /** The request's session cookie; none with more than one Cookie header (a browser sends one). */
        private static String session(HttpExchange exchange) {
            List<String> headers = exchange.getRequestHeaders().getOrDefault("Cookie", List.of());
            if (headers.size() != 1) {
                return null;
            }
            for (String cookie : headers.getFirst().split(";\\s*")) {
                if (cookie.startsWith("SESSION=")) {
                    return cookie.substring("SESSION=".length());
                }
            }
            return null;
        }

        private static void answer(HttpExchange exchange, int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
