package dev.livehub.hub.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;
import dev.livehub.hub.Publication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The endpoint contract of {@code GET /stream/app}, run against every transport the hub ships (the servlet endpoint,
 * the Netty stream port) and every way to sign in (sessions, subscriber tokens): what a browser gets, and every
 * refusal with its status, JSON body and {@code Retry-After}. A transport's test says where its endpoint is and how a
 * user signs in; the opening decisions themselves are made once ({@code StreamAdmission}), and this proves each
 * transport translates them faithfully.
 */
public abstract class StreamTransportContract {

    protected static final Duration WAIT = Duration.ofSeconds(10);

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** What a signed-in user sends with each stream request: a query ({@code token=..}) and headers (a cookie). */
    public record Credentials(String user, String query, Map<String, String> headers) {
    }

    private final List<SseClient> streams = new ArrayList<>();

    /** The hub behind the transport. */
    protected abstract Hub hub();

    /** The stream's URL, {@code http://host:port/stream/app}. */
    protected abstract String streamUrl();

    /**
     * The polling fallback's URL, {@code http://host:port/stream/app/poll}, or {@code null} where the transport does
     * not serve it (the Netty stream port; Jetty's stream handler leaves it to the servlet container).
     */
    protected String pollUrl() {
        return null;
    }

    /** Signs one of the transport's users in ({@code "alice"}, {@code "bob"}: distinct users). */
    protected abstract Credentials signIn(String name) throws Exception;

    private final java.util.Set<String> users = new java.util.HashSet<>();

    /** Every stream a test opened is closed, and its slot given back, before the next test. */
    @AfterEach
    void closeStreams() {
        streams.forEach(SseClient::close);
        streams.clear();
        for (String user : users) {
            await().atMost(WAIT).until(() -> hub().connectionCount(user) == 0);
        }
    }

    protected SseClient open(Credentials who, String query, Map<String, String> headers) throws Exception {
        StringBuilder url = new StringBuilder(streamUrl());
        String joined = String.join("&", List.of(who.query(), query).stream().filter(q -> !q.isEmpty()).toList());
        if (!joined.isEmpty()) {
            url.append('?').append(joined);
        }
        Map<String, String> all = new HashMap<>(who.headers());
        all.putAll(headers);
        SseClient client = SseClient.open(url.toString(), all);
        streams.add(client);
        if (who.user() != null) {
            users.add(who.user());
        }
        return client;
    }

    protected EventId append(String user, String event, String data) {
        return hub().publish(List.of(user), Publication.of(event, data)).get(user);
    }

    /**
     * A GET of the stream with {@code query} sent as it is, over a plain socket (java.net refuses a URI with a malformed
     * escape): the whole answer, head and body, once the server closes.
     */
    private String rawGet(Credentials who, String query) throws Exception {
        return rawGet(who, query, "");
    }

    /** The same, with {@code rest} (more header lines, the blank line and a body) after the head's own lines. */
    private String rawGet(Credentials who, String query, String rest) throws Exception {
        return rawGet(streamUrl(), who, query, rest);
    }

    /** The same, of {@code url}. */
    private String rawGet(String url, Credentials who, String query, String rest) throws Exception {
        URI base = URI.create(url);
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.getOutputStream().write(rawRequest(url, who, query, rest));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void assertRefusal(SseClient stream, int status, String code) {
        assertThat(stream.status()).as(code).isEqualTo(status);
        assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertThat(stream.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(stream.errorBody()).startsWith("{\"error\":\"" + code + "\",\"message\":\"");
    }

    @Test
    void aStreamHasSseHeadersRetryAndStartsWithReady() throws Exception {
        SseClient stream = open(signIn("alice"), "", Map.of());
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        assertThat(stream.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(stream.headers().firstValue("X-Accel-Buffering")).hasValue("no");
        assertThat(stream.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(stream.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(stream.events().awaitFirst("ready", WAIT).id()).matches("[0-9]+-[0-9]+");
        assertThat(stream.retry()).isPositive();
    }

    @Test
    void aStreamResumesFromLastEventIdElseLastIdWithNothingTwice() throws Exception {
        Credentials alice = signIn("alice");
        EventId first = append(alice.user(), "crud.create", "{\"n\":1}");
        EventId second = append(alice.user(), "crud.update", "{\"n\":2}");
        append(alice.user(), "notif", "{\"n\":3}");
        SseClient byHeader = open(alice, "", Map.of("Last-Event-ID", first.toString()));
        assertThat(byHeader.events().awaitPublished(2, WAIT)).extracting(SseEvent::data)
            .containsExactly("{\"n\":2}", "{\"n\":3}");
        SseClient headerWins = open(alice, "last_id=" + first, Map.of("Last-Event-ID", second.toString()));
        assertThat(headerWins.events().awaitPublished(1, WAIT)).extracting(SseEvent::data)
            .containsExactly("{\"n\":3}");
        append(alice.user(), "crud.delete", "{\"n\":4}");
        assertThat(byHeader.events().awaitPublished(3, WAIT)).extracting(SseEvent::data)
            .containsExactly("{\"n\":2}", "{\"n\":3}", "{\"n\":4}");
        assertThat(byHeader.events().all()).noneMatch(e -> e.event().equals("ready") || e.event().equals("reset"));
    }

    @Test
    void aCursorTheStreamDoesNotKnowGetsReset() throws Exception {
        Credentials alice = signIn("alice");
        SseClient future = open(alice, "last_id=" + (System.currentTimeMillis() + 3_600_000) + "-0", Map.of());
        assertThat(future.events().awaitFirst("reset", WAIT).data()).contains("\"reason\":\"unknown\"");
    }

    @Test
    void badRequestsAreRefusedWithTheirStatusAndJsonAndHoldNoSlot() throws Exception {
        Credentials alice = signIn("alice");
        assertRefusal(open(alice, "", Map.of("Last-Event-ID", "abc")), 400, "bad_cursor");
        assertRefusal(open(alice, "last_id=1-0&last_id=2-0", Map.of()), 400, "bad_cursor");
        assertRefusal(open(alice, "compact=maybe", Map.of()), 400, "bad_compact");
        assertRefusal(open(alice, "compact=1&compact=0", Map.of()), 400, "bad_compact");
        // A ';' separates nothing in a query: it is part of the value, here a cursor that is not one.
        assertRefusal(open(alice, "last_id=1-0;x", Map.of()), 400, "bad_cursor");
        assertRefusal(open(alice, "tab=short", Map.of()), 400, "bad_tab");
        // A malformed %-escape is the client's fault on every transport: never a 500, never "retry, the store is down".
        for (String query : List.of("last_id=%ZZ", "x=%ZZ", "x=%4")) {
            String answer = rawGet(alice, query).toLowerCase(java.util.Locale.ROOT);
            assertThat(answer).as(query).startsWith("http/1.1 400").contains("x-content-type-options: nosniff")
                .contains("{\"error\":\"bad_query\",\"message\":\"");
        }
        // A GET of the stream carries no body: refused, never left unread on a connection that then streams.
        for (String body : BODIES) {
            String answer = rawGet(alice, "", body).toLowerCase(java.util.Locale.ROOT);
            assertThat(answer).as(body).startsWith("http/1.1 400")
                .contains("{\"error\":\"bad_request\",\"message\":\"");
        }
        assertRefusal(open(new Credentials(null, "", Map.of()), "", Map.of()), 401, "unauthenticated");
        for (String method : List.of("HEAD", "POST", "PUT", "DELETE")) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(streamUrl()
                    + (alice.query().isEmpty() ? "" : "?" + alice.query())))
                .method(method, HttpRequest.BodyPublishers.noBody());
            alice.headers().forEach(request::header);
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (method.equals("HEAD")) {
                // HEAD must not open a stream whose heartbeats go nowhere while it holds a slot.
                assertThat(response.statusCode()).as(method).isEqualTo(405);
                assertThat(response.headers().firstValue("Allow")).as(method).hasValue("GET");
            }
            else {
                // 405 from the hub, or 403 from an application's CSRF guard in front of it: never a stream.
                assertThat(response.statusCode()).as(method).isIn(403, 405);
            }
        }
        assertThat(hub().connectionCount(alice.user())).isZero();
    }

    @Test
    void pastTheLimitOfStreamsPerUserTheAnswerIs429WithRetryAfter() throws Exception {
        Credentials alice = signIn("alice");
        int limit = hub().settings().maxConnectionsPerUser();
        for (int i = 0; i < limit; i++) {
            open(alice, "", Map.of()).events().awaitFirst("ready", WAIT);
        }
        SseClient over = open(alice, "", Map.of());
        assertRefusal(over, 429, "too_many_connections");
        assertThat(over.headers().firstValue("Retry-After")).isPresent();
    }

    /** A page that navigates opens its next stream before its old one is known closed: never refused for it. */
    @Test
    void aTabsNewStreamReplacesItsOldOneSoNavigatingIsNeverRefused() throws Exception {
        Credentials alice = signIn("alice");
        String tab = "tab=" + UUID.randomUUID().toString().replace("-", "");
        int pages = hub().settings().maxConnectionsPerUser() + 3;
        SseClient previous = null;
        for (int page = 0; page < pages; page++) {
            SseClient stream = open(alice, tab, Map.of());
            assertThat(stream.status()).as("page " + page).isEqualTo(200);
            stream.events().awaitFirst("ready", WAIT);
            if (previous != null) {
                previous.awaitEnd(WAIT);
            }
            previous = stream;
        }
        assertThat(hub().connectionCount(alice.user())).isEqualTo(1);
    }

    /**
     * A tab id is its user's own: another user opening a stream with the same id (read from an access log, say) does
     * not end this user's stream.
     */
    @Test
    void anotherUsersStreamWithTheSameTabIdLeavesTheFirstOpen() throws Exception {
        Credentials alice = signIn("alice");
        Credentials bob = signIn("bob");
        String tab = "tab=" + UUID.randomUUID().toString().replace("-", "");
        SseClient hers = open(alice, tab, Map.of());
        hers.events().awaitFirst("ready", WAIT);
        // bob's connect rate may be spent by another test: his open is tried again while it is refused for that.
        SseClient his = await().atMost(WAIT).until(() -> open(bob, tab, Map.of()), stream -> stream.status() == 200
                || !stream.errorBody().contains("too_many_connects"));
        assertThat(his.status()).isEqualTo(200);
        his.events().awaitFirst("ready", WAIT);
        assertThat(hub().connectionCount(alice.user())).isEqualTo(1);
        assertThat(hers.ended()).isFalse();
        his.close();
        hers.close();
    }

    @Test
    void aClosedStreamGivesItsSlotBack() throws Exception {
        Credentials alice = signIn("alice");
        SseClient stream = open(alice, "", Map.of());
        stream.events().awaitFirst("ready", WAIT);
        assertThat(hub().connectionCount(alice.user())).isEqualTo(1);
        stream.close();
        await().atMost(WAIT).until(() -> hub().connectionCount(alice.user()) == 0);
    }

    /** A GET's body, with a length and chunked: the rest of a raw request after its head's own lines. */
    private static final List<String> BODIES = List.of("Content-Length: 5\r\n\r\nhello",
            "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");

    /**
     * A poll carries no body either: refused as the stream refuses one, while the same poll without it is served. A
     * transport that does not serve the poll ({@link #pollUrl()} null) answers its path 404, never a stream or a poll.
     */
    @Test
    void aPollWithABodyIsRefusedWith400() throws Exception {
        Credentials alice = signIn("alice");
        if (pollUrl() == null) {
            assertThat(rawGet(streamUrl() + "/poll", alice, "", "")).startsWith("HTTP/1.1 404");
            return;
        }
        for (String body : BODIES) {
            String answer = rawGet(pollUrl(), alice, "", body).toLowerCase(java.util.Locale.ROOT);
            assertThat(answer).as(body).startsWith("http/1.1 400").contains("x-content-type-options: nosniff")
                .contains("{\"error\":\"bad_request\",\"message\":\"a poll carries no body\"}");
        }
        assertThat(rawGet(pollUrl(), alice, "", "")).startsWith("HTTP/1.1 200").contains("\"events\":[");
    }

    /** A stream request as bytes, {@code Connection: close}, with {@code rest} (see {@link #rawGet}) or none. */
    private byte[] rawRequest(Credentials who, String query, String rest) {
        return rawRequest(streamUrl(), who, query, rest);
    }

    /** The same, of {@code url}. */
    private static byte[] rawRequest(String url, Credentials who, String query, String rest) {
        URI base = URI.create(url);
        String joined = String.join("&", List.of(who.query(), query).stream().filter(q -> !q.isEmpty()).toList());
        StringBuilder head = new StringBuilder("GET " + base.getPath() + "?" + joined + " HTTP/1.1\r\nHost: "
                + base.getHost() + "\r\nConnection: close\r\n");
        who.headers().forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        head.append(rest.isEmpty() ? "\r\n" : rest);
        return head.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * A client that resets its connection (RST) as soon as its request is sent, before or while its stream opens,
     * holds no slot: as many such clients as the user may have streams, then a stream of the user's opens.
     */
    @Test
    void aClientThatResetsRightAfterItsRequestHoldsNoSlot() throws Exception {
        Credentials alice = signIn("alice");
        users.add(alice.user());
        URI base = URI.create(streamUrl());
        byte[] request = rawRequest(alice, "", "");
        for (int i = 0; i < hub().settings().maxConnectionsPerUser(); i++) {
            try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
                socket.setSoLinger(true, 0);
                socket.getOutputStream().write(request);
            }
        }
        // The resets may still be on their way in: opened again (not too often for the connect rate) until one is
        // served, which a slot held until a write times out (30 s by default) would not let happen within the wait.
        SseClient stream = await().atMost(WAIT).pollInterval(Duration.ofMillis(500))
            .until(() -> open(alice, "", Map.of()), opened -> opened.status() == 200);
        stream.events().awaitFirst("ready", WAIT);
    }

    @Test
    void aDrainingNodeRefusesNewStreamsWith503AndRetryAfter() throws Exception {
        Credentials alice = signIn("alice");
        hub().endStreams();
        try {
            SseClient refused = open(alice, "", Map.of());
            assertRefusal(refused, 503, "shutting_down");
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        }
        finally {
            hub().resume();
        }
    }

    @Test
    void aClientOpeningStreamsInATightLoopIsSlowedWith429() throws Exception {
        Credentials bob = signIn("bob");
        SseClient slowed = null;
        for (int i = 0; i < 200 && slowed == null; i++) {
            SseClient stream = open(bob, "", Map.of());
            stream.close();
            if (stream.status() == 429 && stream.errorBody().contains("too_many_connects")) {
                slowed = stream;
            }
        }
        assertThat(slowed).as("200 opens in a tight loop are never all served").isNotNull();
        assertThat(slowed.errorBody()).contains("opens streams too often");
        assertThat(slowed.headers().firstValue("Retry-After")).hasValueSatisfying(
                seconds -> assertThat(Integer.parseInt(seconds)).isPositive());
    }
}
