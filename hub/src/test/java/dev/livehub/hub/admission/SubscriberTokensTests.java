package dev.livehub.hub.admission;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Base64;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import org.junit.jupiter.api.Test;

import dev.livehub.hub.testing.TestTokens;

import static dev.livehub.hub.testing.TestTokens.claims;
import static dev.livehub.hub.testing.TestTokens.sign;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Subscriber tokens are checked by Nimbus JOSE+JWT with keys made here: every way a token can be wrong is refused
 * with a sentence that says which.
 */
class SubscriberTokensTests {

    static final String SECRET = "a-test-secret-of-at-least-32-bytes!!";

    static final SubscriberTokens.Settings SETTINGS = new SubscriberTokens.Settings("hub_token", "token", "sub", null,
            null, Duration.ofSeconds(5));

    private final SubscriberTokens tokens = SubscriberTokens.withSecret(SECRET, SETTINGS);

    static String hs256(String user, Duration validFor) {
        return TestTokens.hs256(SECRET, user, validFor);
    }

    @Test
    void aValidTokenNamesItsUserAndExpiry() throws Exception {
        Instant before = Instant.now();
        SubscriberTokens.Subscriber subscriber = tokens.verify(hs256("42", Duration.ofMinutes(5)));

        assertThat(subscriber.user()).isEqualTo("42");
        assertThat(subscriber.expiresAt()).isBetween(before.plus(Duration.ofMinutes(4)),
                before.plus(Duration.ofMinutes(6)));
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        assertRefused(hs256("42", Duration.ofMinutes(-1)), "the token has expired");
    }

    @Test
    void aTokenSignedWithAnotherSecretIsRefused() throws Exception {
        String forged = sign(new MACSigner("another-secret-of-at-least-32-bytes!!".getBytes(StandardCharsets.UTF_8)),
                JWSAlgorithm.HS256, claims("42", Duration.ofMinutes(5)).build());
        assertRefused(forged, "signature is wrong");
    }

    /** A key at least as long as the hash (RFC 7518 section 3.2): HS512 with a 64-byte secret, not with 32. */
    @Test
    void hs384AndHs512AreAcceptedWithASecretLongEnoughForThem() throws Exception {
        String longSecret = "a-secret-of-sixty-four-bytes-for-hs512-".repeat(2).substring(0, 64);
        String hs512 = sign(new MACSigner(longSecret.getBytes(StandardCharsets.UTF_8)), JWSAlgorithm.HS512,
                claims("42", Duration.ofMinutes(5)).build());
        assertThat(SubscriberTokens.withSecret(longSecret, SETTINGS).verify(hs512).user()).isEqualTo("42");

        String shortSecretHs512 = sign(new MACSigner("x".repeat(64).getBytes(StandardCharsets.UTF_8)),
                JWSAlgorithm.HS512, claims("42", Duration.ofMinutes(5)).build());
        assertRefused(shortSecretHs512, "the token is signed with HS512; this hub accepts [HS256] (HS384 and HS512 "
                + "need a secret of 48 and 64 bytes)");
    }

    @Test
    void anUnsignedTokenIsRefused() {
        String none = new PlainJWT(claims("42", Duration.ofMinutes(5)).build()).serialize();
        assertRefused(none, "unsigned (alg none)");
    }

    @Test
    void aTamperedPayloadIsRefused() throws Exception {
        String[] parts = hs256("42", Duration.ofMinutes(5)).split("\\.");
        String admin = Base64.getUrlEncoder().withoutPadding().encodeToString(
                claims("admin", Duration.ofMinutes(5)).build().toString().getBytes(StandardCharsets.UTF_8));
        assertRefused(parts[0] + "." + admin + "." + parts[2], "signature is wrong");
    }

    @Test
    void malformedTokensAreRefused() {
        assertRefused("not-a-jwt", "malformed");
        assertRefused("a.b.c", "malformed");
        assertRefused("", "malformed");
    }

    @Test
    void tokensWithoutExpiryOrUserOrWithABadUserAreRefused() throws Exception {
        MACSigner signer = new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8));
        assertRefused(sign(signer, JWSAlgorithm.HS256, new JWTClaimsSet.Builder().subject("42").build()),
                "missing required claims");
        assertRefused(sign(signer, JWSAlgorithm.HS256,
                new JWTClaimsSet.Builder().expirationTime(Date.from(Instant.now().plusSeconds(60))).build()),
                "missing required claims");
        assertRefused(sign(signer, JWSAlgorithm.HS256, claims("u".repeat(300), Duration.ofMinutes(1)).build()),
                "'sub' claim");
        // An expiry given as a string: the claim is named.
        assertRefused(sign(signer, JWSAlgorithm.HS256, new JWTClaimsSet.Builder().subject("42")
            .claim("exp", "tomorrow").build()), "exp, nbf, iat: numbers of seconds");
    }

    @Test
    void rsaAndEcPublicKeysAcceptTheirOwnAlgorithmsOnly() throws Exception {
        KeyPairGenerator rsaGenerator = KeyPairGenerator.getInstance("RSA");
        rsaGenerator.initialize(2048);
        KeyPair rsa = rsaGenerator.generateKeyPair();
        KeyPairGenerator ecGenerator = KeyPairGenerator.getInstance("EC");
        ecGenerator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ec = ecGenerator.generateKeyPair();

        SubscriberTokens rsaTokens = SubscriberTokens.withPublicKey(pem(rsa), SETTINGS);
        SubscriberTokens ecTokens = SubscriberTokens.withPublicKey(pem(ec), SETTINGS);
        String rs256 = sign(new RSASSASigner((RSAPrivateKey) rsa.getPrivate()), JWSAlgorithm.RS256,
                claims("7", Duration.ofMinutes(1)).build());
        String es256 = sign(new ECDSASigner((ECPrivateKey) ec.getPrivate()), JWSAlgorithm.ES256,
                claims("8", Duration.ofMinutes(1)).build());

        assertThat(rsaTokens.verify(rs256).user()).isEqualTo("7");
        assertThat(ecTokens.verify(es256).user()).isEqualTo("8");
        assertThatThrownBy(() -> rsaTokens.verify(es256)).hasMessageContaining("signed with ES256");
        // The classic confusion: an HS256 token "signed" with the RSA public key as the secret.
        String confused = sign(new MACSigner(rsa.getPublic().getEncoded()), JWSAlgorithm.HS256,
                claims("admin", Duration.ofMinutes(1)).build());
        assertThatThrownBy(() -> rsaTokens.verify(confused)).hasMessageContaining("signed with HS256");
        assertThatThrownBy(() -> tokens.verify(rs256)).hasMessageContaining("signed with RS256");
    }

    @Test
    void issuerAndAudienceAreCheckedWhenConfigured() throws Exception {
        SubscriberTokens strict = SubscriberTokens.withSecret(SECRET, new SubscriberTokens.Settings("hub_token",
                "token", "sub", "https://backend.example", "livehub", Duration.ofSeconds(5)));
        MACSigner signer = new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8));
        String right = sign(signer, JWSAlgorithm.HS256,
                claims("42", Duration.ofMinutes(1)).issuer("https://backend.example").audience("livehub").build());
        String wrongIssuer = sign(signer, JWSAlgorithm.HS256,
                claims("42", Duration.ofMinutes(1)).issuer("https://evil.example").audience("livehub").build());

        assertThat(strict.verify(right).user()).isEqualTo("42");
        assertThatThrownBy(() -> strict.verify(wrongIssuer)).isInstanceOf(InvalidTokenException.class)
            .hasMessageContaining("iss");
        assertThatThrownBy(() -> strict.verify(hs256("42", Duration.ofMinutes(1))))
            .isInstanceOf(InvalidTokenException.class);
    }

    @Test
    void aShortSecretOrABadKeyIsAStartupErrorThatSaysWhy() {
        assertThatThrownBy(() -> SubscriberTokens.withSecret("short", SETTINGS))
            .hasMessageContaining("at least 32");
        assertThatThrownBy(() -> SubscriberTokens.withPublicKey("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n", SETTINGS))
            .hasMessageContaining("-----BEGIN PUBLIC KEY-----");
    }

    private void assertRefused(String token, String message) {
        assertThatThrownBy(() -> tokens.verify(token)).isInstanceOf(InvalidTokenException.class)
            .hasMessageContaining(message)
            .satisfies(error -> assertThat(token.isEmpty() || !error.getMessage().contains(token)).isTrue());
    }

    static String pem(KeyPair pair) {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }
}
