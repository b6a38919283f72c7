package dev.livehub.hub.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

/** Subscriber tokens as a backend would sign them, for tests. */
public final class TestTokens {

    private TestTokens() {
    }

    /** An HS256 token for {@code user}, signed with {@code secret}, expiring {@code validFor} from now. */
    public static String hs256(String secret, String user, Duration validFor) {
        try {
            return sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)), JWSAlgorithm.HS256,
                    claims(user, validFor).build());
        }
        catch (JOSEException ex) {
            throw new IllegalArgumentException(ex);
        }
    }

    public static JWTClaimsSet.Builder claims(String user, Duration validFor) {
        return new JWTClaimsSet.Builder().subject(user).expirationTime(Date.from(Instant.now().plus(validFor)));
    }

    public static String sign(JWSSigner signer, JWSAlgorithm algorithm, JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader(algorithm), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }
}
