package dev.livehub.loadtest;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Who connection {@code i} of a run is, and where it connects from and to: the same in every process that holds a
 * share of the run ({@link Run} and its {@link Helper} processes), so a run spread over processes subscribes exactly
 * the users one process would. With sessions, connection {@code i} is session {@code i % sessions.size()} (its user and
 * its {@code Cookie} header); without, user {@code lt<i % users>} with a token the generator signs.
 */
final class Connections {

    private final LoadTest.Options options;

    private final List<Sessions.Session> sessions;

    private final int users;

    private final boolean compact;

    /**
     * @param sessions the run's sessions in their order (the index order of {@code --login}, the lines of
     *     {@code --cookie-file}), or none
     * @param users the token users {@code lt0 .. lt<users - 1>}, when there are no sessions
     * @param compact subscribers ask for catch-up compaction ({@code ?compact=1})
     */
    Connections(LoadTest.Options options, List<Sessions.Session> sessions, int users, boolean compact) {
        this.options = options;
        this.sessions = sessions;
        this.users = users;
        this.compact = compact;
    }

    /** Connection {@code i}'s subscriber, not yet running. */
    Subscriber subscriber(int i, Stats stats, long reconnectMillis) {
        if (sessions.isEmpty()) {
            String user = "lt" + (i % users);
            return new Subscriber(user, targetAddress(tokenUrl(user), i), null, sourceAddress(options, i), stats,
                    reconnectMillis);
        }
        Sessions.Session session = sessions.get(i % sessions.size());
        // Nchan knows no sessions: its channel is the user's, the cookie rides along as a browser's would.
        URI url = options.target.equals("nchan") ? tokenUrl(session.user())
                : options.url.resolve("/stream/app" + (compact ? "?compact=1" : ""));
        return new Subscriber(session.user(), targetAddress(url, i), session.cookie(), sourceAddress(options, i), stats,
                reconnectMillis);
    }

    /** A stream without a session: Nchan's channel, or the hub's stream with a token the generator signs. */
    private URI tokenUrl(String user) {
        if (options.target.equals("nchan")) {
            return options.url.resolve("/sub/" + user);
        }
        if (options.tokenSecret == null || options.tokenSecret.isBlank()) {
            throw new IllegalArgumentException(
                    "--token-secret (or HUB_TOKEN_SECRET) is needed to subscribe to the hub");
        }
        String token = Tokens.hs256(options.tokenSecret, user, Duration.ofHours(2));
        return options.url.resolve("/stream/app?token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)
                + (compact ? "&compact=1" : ""));
    }

    /**
     * Where connection {@code i} goes: {@code url} on 127.0.0.1..N ({@code --target-addresses}), or {@code url}. Each
     * address is a destination of its own, so the kernel may give the same local port to connections to different
     * ones: no socket needs a bound port, and a proxy's own connections to its upstreams keep the whole range (ports
     * bound with {@code bind()} are ports its {@code connect()} cannot pick).
     */
    private URI targetAddress(URI url, int i) {
        if (options.targetAddresses <= 1) {
            return url;
        }
        if (!"127.0.0.1".equals(url.getHost())) {
            throw new IllegalArgumentException(
                    "--target-addresses spreads over 127.0.0.1..N: --url must be on 127.0.0.1, not " + url.getHost());
        }
        return URI.create(url.getScheme() + "://127.0.0." + (1 + i % options.targetAddresses) + ":" + url.getPort()
                + url.getRawPath() + (url.getRawQuery() != null ? "?" + url.getRawQuery() : ""));
    }

    /** Where connection {@code i} comes from: spread over 127.0.0.1..N past the ephemeral port range, or any. */
    private static InetSocketAddress sourceAddress(LoadTest.Options options, int i) {
        return options.sourceAddresses > 1
                ? new InetSocketAddress("127.0.0." + (1 + i % options.sourceAddresses), 0) : null;
    }
}
