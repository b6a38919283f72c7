package dev.livehub.hub.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACSigner;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The stream contract for a transport that takes subscriber tokens: the {@link StreamTransportContract} with users
 * signed in by token, and the token rules every transport shares.
 */
public abstract class TokenStreamContract extends StreamTransportContract {

    /** The HS256 secret the transport's hub checks tokens with. */
    protected abstract String secret();

    /** The transport's {@code hub.token.clock-skew}. */
    protected abstract Duration clockSkew();

    @Override
    protected Credentials signIn(String name) {
        return new Credentials(name, "token=" + TestTokens.hs256(secret(), name, Duration.ofHours(1)), Map.of());
    }

    private Credentials tokenExpiring(String user, Instant expiry) throws Exception {
        String token = TestTokens.sign(new MACSigner(secret().getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                JWSAlgorithm.HS256, TestTokens.claims(user, Duration.ZERO).expirationTime(Date.from(expiry)).build());
        return new Credentials(user, "token=" + token, Map.of());
    }

    /** A token valid until the year 9999 opens a stream like any other, and gives its slot back when closed. */
    @Test
    void aTokenValidForCenturiesGivesItsSlotBack() throws Exception {
        Credentials forever = tokenExpiring("forever", Instant.parse("9999-12-31T23:59:59Z"));
        for (int i = 0; i < hub().settings().maxConnectionsPerUser() + 2; i++) {
            SseClient stream = open(forever, "", Map.of());
            assertThat(stream.status()).isEqualTo(200);
            stream.events().awaitFirst("ready", WAIT);
            stream.close();
            await().atMost(WAIT).until(() -> hub().connectionCount("forever") == 0);
        }
    }

    /** Within the clock skew a token is served until its expiry plus the skew, not accepted and ended at once. */
    @Test
    void aTokenExpiredWithinTheClockSkewIsServedUntilTheSkewRunsOut() throws Exception {
        Duration skew = clockSkew();
        Credentials late = tokenExpiring("late", Instant.now().minus(skew).plusSeconds(3));
        SseClient stream = open(late, "", Map.of());
        assertThat(stream.status()).isEqualTo(200);
        stream.events().awaitFirst("ready", WAIT);
        long opened = System.nanoTime();
        assertThat(stream.events().awaitFirst("auth-expired", WAIT).data()).isEqualTo("{\"reason\":\"expired\"}");
        assertThat(Duration.ofNanos(System.nanoTime() - opened)).isGreaterThan(Duration.ofMillis(1500));

        Credentials gone = tokenExpiring("gone", Instant.now().minus(skew).minusSeconds(2));
        SseClient refused = open(gone, "", Map.of());
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.errorBody()).contains("\"error\":\"bad_token\"").contains("expired");
    }

    /** The token in its cookie ({@code hub.token.cookie}, {@code hub_token}) beside others, instead of the query. */
    @Test
    void theTokenMayComeInItsCookie() throws Exception {
        String token = TestTokens.hs256(secret(), "u2", Duration.ofHours(1));
        try (SseClient stream = SseClient.open(streamUrl(), Map.of("Cookie", "a=b; hub_token=" + token))) {
            assertThat(stream.status()).isEqualTo(200);
            stream.events().awaitFirst("ready", WAIT);
            assertThat(hub().connectionCount("u2")).isEqualTo(1);
        }
    }

    /** A URL of 6 KB (a long query beside the token) is read alike on every transport, as nginx passes it on. */
    @Test
    void aStreamUrlOfSixKilobytesIsServed() throws Exception {
        SseClient stream = open(signIn("long"), "pad=" + "x".repeat(6000), Map.of());
        assertThat(stream.status()).isEqualTo(200);
        stream.events().awaitFirst("ready", WAIT);
    }

    @Test
    void aBadTokenWithoutASessionIs401BadToken() throws Exception {
        SseClient stream = open(new Credentials(null, "token=not.a.jwt", Map.of()), "", Map.of());
        assertThat(stream.status()).isEqualTo(401);
        assertThat(stream.errorBody()).startsWith("{\"error\":\"bad_token\"");
    }
}
