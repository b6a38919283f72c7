package dev.livehub.hub.admission;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.KeyLengthException;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;

import dev.livehub.hub.Publication;

/**
 * Short-lived signed tokens (JWT) that open a stream without a session, for a hub serving another backend (Laravel,
 * Rails, Django): the backend signs {@code {"sub":"<user id>","exp":...}} and the page passes it as the
 * {@code hub_token} cookie or {@code ?token=}. One key decides the algorithms: a shared secret HS256/384/512, an RSA
 * public key RS256/384/512, an EC public key ES256/384/512; a token signed otherwise, or not at all, is refused.
 */
public final class SubscriberTokens {

    /** A verified token: whose stream it opens, and until when (its expiry plus the allowed clock skew). */
    public record Subscriber(String user, Instant expiresAt) {
    }

    private final JWSVerifier verifier;

    private final Set<JWSAlgorithm> algorithms;

    private final DefaultJWTClaimsVerifier<SecurityContext> claims;

    private final String userClaim;

    private final String cookie;

    private final String parameter;

    /** Added to a token's expiry: the stream is served until then (the claims check accepts it until then too). */
    private final Duration clockSkew;

    private SubscriberTokens(JWSVerifier verifier, Set<JWSAlgorithm> algorithms, Settings settings) {
        this.verifier = verifier;
        this.algorithms = algorithms;
        this.userClaim = settings.userClaim();
        this.cookie = settings.cookie();
        this.parameter = settings.parameter();
        this.clockSkew = settings.clockSkew();
        JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
        if (settings.issuer() != null) {
            exact.issuer(settings.issuer());
        }
        Set<String> required = new HashSet<>(Set.of("exp", settings.userClaim()));
        this.claims = new DefaultJWTClaimsVerifier<>(settings.audience(), exact.build(), required);
        this.claims.setMaxClockSkew((int) settings.clockSkew().toSeconds());
        warmUp();
    }

    /**
     * Runs one signature check at start, so the JDK's crypto providers are loaded now: loaded at the first token
     * instead, while the process has no file descriptor free (a flood of connections), their set-up fails and every
     * later check with it, until a restart.
     */
    private void warmUp() {
        JWSAlgorithm algorithm = algorithms.stream().min(java.util.Comparator.comparing(JWSAlgorithm::getName))
            .orElseThrow();
        try {
            verifier.verify(new com.nimbusds.jose.JWSHeader(algorithm), "e30.e30".getBytes(StandardCharsets.US_ASCII),
                    com.nimbusds.jose.util.Base64URL.encode(new byte[64]));
        }
        catch (JOSEException ex) {
            // A made-up signature may be refused as malformed: the providers are loaded either way.
        }
    }

    /**
     * Where tokens come from and what they must say. {@code issuer} and {@code audience} are checked when set.
     */
    public record Settings(String cookie, String parameter, String userClaim, String issuer, String audience,
            Duration clockSkew) {
    }

    /**
     * Tokens signed with a shared secret of at least 32 bytes: HS256, and HS384 and HS512 when the secret is long
     * enough for them (48 and 64 bytes: a key at least as long as the hash, RFC 7518 section 3.2), so a token of an
     * algorithm the secret is too short for is refused as such, naming the algorithms accepted.
     */
    public static SubscriberTokens withSecret(String secret, Settings settings) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        Set<JWSAlgorithm> algorithms = bytes.length >= 64
                ? Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512)
                : bytes.length >= 48 ? Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384) : Set.of(JWSAlgorithm.HS256);
        try {
            return new SubscriberTokens(new MACVerifier(bytes), algorithms, settings);
        }
        catch (KeyLengthException ex) {
            throw new IllegalArgumentException("hub.token.secret has " + bytes.length
                    + " bytes; HS256 needs at least 32 (e.g. openssl rand -base64 32)");
        }
        catch (JOSEException ex) {
            throw new IllegalArgumentException("hub.token.secret is unusable: " + ex.getMessage(), ex);
        }
    }

    /**
     * Tokens signed with the private half of an RSA key (RS256, RS384, RS512) or an EC key (ES256, ES384, ES512).
     *
     * @param pem the public key as PEM ({@code -----BEGIN PUBLIC KEY-----}), or the path of a file holding it
     */
    public static SubscriberTokens withPublicKey(String pem, Settings settings) {
        PublicKey key = readPublicKey(pem);
        try {
            if (key instanceof RSAPublicKey rsa) {
                return new SubscriberTokens(new RSASSAVerifier(rsa),
                        Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512), settings);
            }
            ECDSAVerifier ec = new ECDSAVerifier((ECPublicKey) key);
            return new SubscriberTokens(ec, ec.supportedJWSAlgorithms(), settings);
        }
        catch (JOSEException ex) {
            throw new IllegalArgumentException("hub.token.public-key is unusable: " + ex.getMessage(), ex);
        }
    }

    /** The query parameter a token comes in ({@code hub.token.parameter}). */
    public String parameter() {
        return parameter;
    }

    /** The cookie a token comes in ({@code hub.token.cookie}). */
    public String cookie() {
        return cookie;
    }

    /**
     * Checks a token's signature, algorithm and claims.
     *
     * @throws InvalidTokenException with a sentence that says what is wrong (never the token itself)
     */
    public Subscriber verify(String token) {
        JWT jwt;
        try {
            jwt = JWTParser.parse(token.strip());
        }
        catch (ParseException ex) {
            throw new InvalidTokenException("the token is malformed: expected a signed JWT (header.payload.signature)");
        }
        if (jwt instanceof PlainJWT) {
            throw new InvalidTokenException("the token is unsigned (alg none); unsigned tokens are refused");
        }
        if (!(jwt instanceof SignedJWT signed)) {
            throw new InvalidTokenException("the token is encrypted (JWE); send a signed JWT (JWS)");
        }
        JWSAlgorithm algorithm = signed.getHeader().getAlgorithm();
        if (!algorithms.contains(algorithm)) {
            throw new InvalidTokenException("the token is signed with " + algorithm + "; this hub accepts "
                    + algorithms.stream().map(JWSAlgorithm::getName).sorted().toList()
                    + (JWSAlgorithm.Family.HMAC_SHA.contains(algorithm)
                            ? " (HS384 and HS512 need a secret of 48 and 64 bytes)" : ""));
        }
        try {
            if (!signed.verify(verifier)) {
                throw new InvalidTokenException("the token's signature is wrong");
            }
        }
        catch (JOSEException ex) {
            throw new InvalidTokenException("the token's signature cannot be checked: " + ex.getMessage());
        }
        JWTClaimsSet set;
        try {
            set = signed.getJWTClaimsSet();
            claims.verify(set, null);
        }
        catch (ParseException ex) {
            // Not a JSON object, or a registered claim of the wrong type (an "exp" that is a string); Nimbus's
            // message names the claim, never the token.
            throw new InvalidTokenException("the token's claims are not a JSON object whose registered claims have "
                    + "their types (exp, nbf, iat: numbers of seconds; sub, iss: strings): " + ex.getMessage());
        }
        catch (BadJWTException ex) {
            throw new InvalidTokenException(describe(ex.getMessage()));
        }
        Object user = set.getClaim(userClaim);
        if (!(user instanceof String id)) {
            throw new InvalidTokenException("the token's '" + userClaim + "' claim is the user id, a string");
        }
        try {
            Publication.requireUserId(id);
        }
        catch (IllegalArgumentException ex) {
            throw new InvalidTokenException("the token's '" + userClaim + "' claim: " + ex.getMessage());
        }
        // One rule for a token within the skew: served until its expiry plus the skew, never accepted and then ended
        // at once with auth-expired (which a plain EventSource would repeat until the skew ran out).
        return new Subscriber(id, set.getExpirationTime().toInstant().plus(clockSkew));
    }

    private static String describe(String message) {
        return switch (message) {
            case "Expired JWT" -> "the token has expired; ask the backend for a new one";
            case "JWT before use time" -> "the token is not valid yet (nbf)";
            default -> "the token is refused: " + message;
        };
    }

    private static PublicKey readPublicKey(String value) {
        String pem = value.strip();
        if (!pem.startsWith("-----BEGIN")) {
            try {
                pem = Files.readString(Path.of(pem)).strip();
            }
            catch (IOException ex) {
                throw new UncheckedIOException("hub.token.public-key is neither PEM text nor a readable file: " + value,
                        ex);
            }
        }
        if (!pem.startsWith("-----BEGIN PUBLIC KEY-----")) {
            throw new IllegalArgumentException(
                    "hub.token.public-key must be an X.509 public key in PEM (-----BEGIN PUBLIC KEY-----), "
                            + "e.g. from: openssl pkey -in private.pem -pubout");
        }
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        X509EncodedKeySpec spec = new X509EncodedKeySpec(Base64.getDecoder().decode(base64));
        for (String type : new String[] { "RSA", "EC" }) {
            try {
                return KeyFactory.getInstance(type).generatePublic(spec);
            }
            catch (GeneralSecurityException ex) {
                // try the next type
            }
        }
        throw new IllegalArgumentException("hub.token.public-key is neither an RSA nor an EC public key");
    }
}
