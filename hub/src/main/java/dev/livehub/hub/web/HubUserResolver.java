package dev.livehub.hub.web;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Who is asking for a stream: the hub user id of the authenticated request, or {@code null} (answered 401). The
 * user always comes from authentication, never from a parameter, so nobody can name another user's stream.
 *
 * <p>The default returns the principal's name; an application whose user ids differ from login names defines its own.
 */
@FunctionalInterface
public interface HubUserResolver {

    String resolve(HttpServletRequest request);

    static HubUserResolver principalName() {
        return request -> request.getUserPrincipal() == null ? null : request.getUserPrincipal().getName();
    }
}
