package dev.livehub.hub.web;

import java.util.function.Supplier;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

import dev.livehub.hub.admission.HubUserResolver;

/**
 * The origin of the request being served, as the hub stamps it on what the request publishes:
 * {@code <hub user>/<tab origin id>}. The tab's origin id is the {@code X-Hub-Origin} header (sent by
 * {@code AppStream.fetch}) or the {@code _hub_origin} form field (added to forms by {@code app-stream.js}); the user is
 * the request's authenticated hub user ({@link HubUserResolver} of its principal). A tab skips an event only when its origin is its own
 * user's and its own id, so another user who re-sends a tab's origin id (it reaches every user of a record) cannot make
 * that tab skip a real change. No user, or anything that is not a short token: no origin.
 */
public final class RequestOrigin implements Supplier<String> {

    public static final String HEADER = "X-Hub-Origin";

    public static final String PARAMETER = "_hub_origin";

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final HubUserResolver users;

    public RequestOrigin(HubUserResolver users) {
        this.users = users;
    }

    @Override
    public String get() {
        if (!(RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes)) {
            return null;
        }
        HttpServletRequest request = attributes.getRequest();
        String origin = request.getHeader(HEADER);
        if (origin == null) {
            origin = request.getParameter(PARAMETER);
        }
        if (origin == null || !TOKEN.matcher(origin).matches()) {
            return null;
        }
        String user = users.resolve(request.getUserPrincipal());
        return user == null ? null : user + "/" + origin;
    }
}
