package dev.livehub.hub.admission;

import java.security.Principal;

/**
 * The hub user id of a signed-in principal (Spring Security's {@code Authentication} is one), or {@code null}
 * (answered 401). The user always comes from authentication, never from a parameter, so nobody can name another
 * user's stream. Both stream transports use it: the servlet endpoint with the request's principal, the Netty stream
 * port with the principal stored in the session.
 *
 * <p>The default returns the principal's name; an application whose user ids differ from login names defines its own.
 */
@FunctionalInterface
public interface HubUserResolver {

    String resolve(Principal principal);

    static HubUserResolver principalName() {
        return principal -> principal == null ? null : principal.getName();
    }
}
