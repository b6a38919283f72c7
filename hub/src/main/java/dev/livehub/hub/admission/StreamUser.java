package dev.livehub.hub.admission;

import java.time.Instant;

/**
 * Who a stream or poll is for.
 *
 * @param user the hub user id
 * @param sessionId the session that signed the user in, or {@code null} for a subscriber token
 * @param expiresAt when a token's authentication ends (its expiry plus the allowed clock skew), or {@code null}
 */
public record StreamUser(String user, String sessionId, Instant expiresAt) {
}
