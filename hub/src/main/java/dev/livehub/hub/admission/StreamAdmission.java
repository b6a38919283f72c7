package dev.livehub.hub.admission;

import java.util.List;
import java.util.regex.Pattern;

import dev.livehub.hub.Connection;
import dev.livehub.hub.Cursor;
import dev.livehub.hub.Hub;
import dev.livehub.hub.Publication;
import dev.livehub.hub.SseOutput;
import dev.livehub.hub.TooManyConnectionsException;

/**
 * Whether a request may open a stream (or poll), decided once for every transport: who the user is, the cursor,
 * {@code compact}, the tab, the connect rate, the per-user cap and draining; a stream or a poll is a GET without a
 * body. A transport adapts its request ({@link StreamRequest}), writes the {@link StreamRefusal} it gets as its JSON
 * answer, or streams to the opened connection.
 *
 * <p>Who the user is: a valid subscriber token ({@code ?token=}, else the token cookie) is the token's user; a request
 * without a valid token is its session's user, so a bad or empty token never signs a session out of its stream; no
 * session either: 401 ({@code bad_token} when a token was sent, else {@code unauthenticated}).
 *
 * <p>A request that names its tab ({@code ?tab=}, a random id the page keeps for the life of the tab) replaces the
 * tab's previous stream on this node: a page that navigates opens a new stream before the old one's close is noticed,
 * and must never be refused for the streams it left behind.
 *
 * <p>Thread-safe.
 */
public final class StreamAdmission {

    /** {@code ?tab=}: random, so that nobody can guess another tab's id and end its stream. */
    private static final Pattern TAB = Pattern.compile("[A-Za-z0-9_-]{16,64}");

    private final Hub hub;

    private final SubscriberTokens tokens;

    private final SessionStreams sessions;

    private final ConnectRate rate;

    /**
     * @param tokens subscriber tokens, or {@code null} when they are off
     * @param sessions where streams opened with a session are tracked, so they end when the session does
     * @param rate how often one user may open a stream on this node
     */
    public StreamAdmission(Hub hub, SubscriberTokens tokens, SessionStreams sessions, ConnectRate rate) {
        this.hub = hub;
        this.tokens = tokens;
        this.sessions = sessions;
        this.rate = rate;
    }

    /** Whether subscriber tokens are on. */
    public boolean acceptsTokens() {
        return tokens != null;
    }

    /**
     * Opens a stream to {@code output}: the hub's writer starts at once.
     *
     * @param users the signed-in user of the request's session, on this transport
     * @throws StreamRefusal when the stream is not opened; nothing is held then; counted by reason
     *         ({@link Hub#refused})
     */
    public OpenStream open(StreamRequest request, SessionUsers users, SseOutput output) {
        try {
            return admit(request, users, output);
        }
        catch (StreamRefusal refusal) {
            hub.refused(refusal.code());
            throw refusal;
        }
    }

    /**
     * Whether the request says a body follows ({@code Transfer-Encoding}, or a {@code Content-Length} other than 0).
     * A GET's body has no meaning (RFC 9110, section 9.3.1), and neither a stream nor a poll reads one: it is refused
     * rather than left unread on the connection.
     */
    private static boolean hasBody(StreamRequest request) {
        return !request.headers("Transfer-Encoding").isEmpty()
                || request.headers("Content-Length").stream().anyMatch(length -> !length.strip().equals("0"));
    }

    private OpenStream admit(StreamRequest request, SessionUsers users, SseOutput output) {
        if (!request.method().equals("GET")) {
            throw new StreamRefusal(405, "method_not_allowed", "open a stream with GET", 0);
        }
        if (hasBody(request)) {
            throw new StreamRefusal(400, "bad_request", "a GET of the stream carries no body", 0);
        }
        refuseWhileTheStoreIsAway();
        StreamUser user = identify(request, users);
        Cursor cursor = cursor(request);
        if (compact(request)) {
            cursor = cursor.compacting();
        }
        String tab = tab(request);
        long wait = rate.acquire(user.user());
        if (wait > 0) {
            throw new StreamRefusal(429, "too_many_connects",
                    "this user opens streams too often; retry in " + wait + " s", wait);
        }
        Connection connection;
        try {
            connection = hub.connect(user.user(), cursor, output, user.expiresAt(), tab);
        }
        catch (TooManyConnectionsException ex) {
            throw new StreamRefusal(429, "too_many_connections", ex.getMessage(), 5);
        }
        catch (IllegalStateException ex) {
            throw new StreamRefusal(503, "shutting_down", "this node is shutting down; reconnect to another", 5);
        }
        // Only a stream opened with a session ends with it; a token's stream ends at the token's expiry.
        if (user.sessionId() != null) {
            sessions.track(user.sessionId(), connection);
        }
        return new OpenStream(connection, user, sessions);
    }

    /**
     * The event store is away (the hub's live connection lost): a stream would start with no catch-up and end when its
     * read fails, a poll would wait for its read to time out. Told before the user is looked up, which with sessions in
     * the same Redis would wait for its own timeout first (4 s on the servlet path, 6 s through nginx, which tries
     * another node on a 503). The client retries in 5 s; its connect budget is not spent.
     */
    private void refuseWhileTheStoreIsAway() {
        if (!hub.isLive()) {
            throw StreamRefusal.storeUnavailable("event store");
        }
    }

    /**
     * The first check of {@link #open} and {@link #poll}, for a transport that must make it before anything else reads
     * the request's session (the servlet path, ahead of Spring Security): nothing when the event store is there.
     *
     * @throws StreamRefusal 503 {@code store_unavailable} while it is away; counted ({@link Hub#refused})
     */
    public void requireStore() {
        try {
            refuseWhileTheStoreIsAway();
        }
        catch (StreamRefusal refusal) {
            hub.refused(refusal.code());
            throw refusal;
        }
    }

    /**
     * Whether a poll ({@code /stream/app/poll}) is served: who it is for, and the connect rate. A poll reads the stream
     * like a stream's catch-up does, so polls and opens share the user's budget.
     *
     * @throws StreamRefusal 400 with a body, 503 while the event store is away, 401 without a user, 429 past the
     *         rate; counted by reason ({@link Hub#refused})
     */
    public StreamUser poll(StreamRequest request, SessionUsers users) {
        try {
            if (hasBody(request)) {
                throw new StreamRefusal(400, "bad_request", "a poll carries no body", 0);
            }
            refuseWhileTheStoreIsAway();
            StreamUser user = identify(request, users);
            long wait = rate.acquire(user.user());
            if (wait > 0) {
                throw new StreamRefusal(429, "too_many_polls",
                        "this user polls (or opens streams) too often; retry in " + wait + " s", wait);
            }
            return user;
        }
        catch (StreamRefusal refusal) {
            hub.refused(refusal.code());
            throw refusal;
        }
    }

    /**
     * Who the request is for: a valid token's user, else the session's.
     *
     * @throws StreamRefusal 401 when neither says
     */
    public StreamUser identify(StreamRequest request, SessionUsers users) {
        String token = tokens == null ? null : token(request);
        InvalidTokenException invalid = null;
        if (token != null) {
            try {
                SubscriberTokens.Subscriber subscriber = tokens.verify(token);
                return new StreamUser(subscriber.user(), null, subscriber.expiresAt());
            }
            catch (InvalidTokenException ex) {
                invalid = ex;
            }
        }
        SessionUsers.SessionUser session = users.find(request);
        if (session != null) {
            try {
                Publication.requireUserId(session.user());
            }
            catch (IllegalArgumentException ex) {
                throw StreamRefusal.of(403, "bad_user", "the signed-in user's id cannot name a stream: "
                        + ex.getMessage());
            }
            return new StreamUser(session.user(), session.sessionId(), null);
        }
        if (invalid != null) {
            throw StreamRefusal.of(401, "bad_token", invalid.getMessage());
        }
        throw StreamRefusal.of(401, "unauthenticated", tokens == null
                ? "sign in first: streams are opened for the signed-in user"
                : "sign in first, or send a subscriber token (?" + tokens.parameter() + "= or the " + tokens.cookie()
                        + " cookie)");
    }

    /**
     * The cursor: {@code Last-Event-ID}, else {@code ?last_id=}, else none.
     *
     * @throws StreamRefusal 400 when it is malformed or given twice
     */
    public Cursor cursor(StreamRequest request) {
        try {
            return Cursor.fromRequest(request.headers("Last-Event-ID"), request.parameters("last_id"));
        }
        catch (IllegalArgumentException ex) {
            throw StreamRefusal.of(400, "bad_cursor", ex.getMessage());
        }
    }

    /** {@code ?compact=1}: a long backlog comes folded to the latest state of each record. */
    private static boolean compact(StreamRequest request) {
        List<String> values = request.parameters("compact");
        if (values.size() > 1) {
            // As a repeated last_id or tab: which one the client meant is not for the hub to guess.
            throw StreamRefusal.of(400, "bad_compact", "send one compact parameter, not several");
        }
        try {
            return Cursor.compactParameter(values.isEmpty() ? null : values.getFirst());
        }
        catch (IllegalArgumentException ex) {
            throw StreamRefusal.of(400, "bad_compact", ex.getMessage());
        }
    }

    private static String tab(StreamRequest request) {
        List<String> tabs = request.parameters("tab");
        if (tabs.isEmpty()) {
            return null;
        }
        if (tabs.size() > 1 || !TAB.matcher(tabs.getFirst()).matches()) {
            throw StreamRefusal.of(400, "bad_tab", "tab is one random id of 16 to 64 letters, digits, '-' or '_'");
        }
        return tabs.getFirst();
    }

    /** The token a request carries: {@code ?token=} first, then the cookie; {@code null} when neither. */
    private String token(StreamRequest request) {
        String given = request.parameter(tokens.parameter());
        return given != null ? given : request.cookie(tokens.cookie());
    }
}
