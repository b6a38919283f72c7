package dev.livehub.hub.web;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import dev.livehub.hub.admission.HubUserResolver;
import dev.livehub.hub.admission.SessionUsers;
import dev.livehub.hub.admission.StreamRefusal;
import dev.livehub.hub.admission.StreamRequest;

/** A servlet request as the admission sees it; its session user is the request's authenticated principal. */
final class ServletStreamRequest implements StreamRequest {

    private final HttpServletRequest request;

    ServletStreamRequest(HttpServletRequest request) {
        this.request = request;
    }

    /** The signed-in user of a servlet request: its principal, resolved, and its session's id. */
    static SessionUsers sessionUsers(HttpServletRequest request, HubUserResolver users) {
        return ignored -> {
            String user = users.resolve(request.getUserPrincipal());
            if (user == null) {
                return null;
            }
            HttpSession session = request.getSession(false);
            return new SessionUsers.SessionUser(user, session == null ? null : session.getId());
        };
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public List<String> headers(String name) {
        return Collections.list(request.getHeaders(name));
    }

    @Override
    public List<String> parameters(String name) {
        String[] values;
        try {
            values = request.getParameterValues(name);
        }
        catch (IllegalStateException | IllegalArgumentException ex) {
            // Tomcat's InvalidParameterException (an IllegalStateException): a malformed %-escape.
            throw StreamRefusal.badQuery();
        }
        return values == null ? List.of() : List.of(values);
    }

    @Override
    public List<String> cookies(String name) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return List.of();
        }
        List<String> values = new ArrayList<>(1);
        for (Cookie each : cookies) {
            if (name.equals(each.getName())) {
                values.add(each.getValue());
            }
        }
        return values;
    }
}
