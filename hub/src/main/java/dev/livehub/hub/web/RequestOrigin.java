package dev.livehub.hub.web;

import java.util.function.Supplier;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The origin id of the browser tab whose request is being served: the {@code X-Hub-Origin} header (sent by
 * {@code AppStream.fetch}) or the {@code _hub_origin} form field (added to forms by {@code app-stream.js}).
 * Anything that is not a short token is ignored.
 */
public final class RequestOrigin implements Supplier<String> {

    public static final String HEADER = "X-Hub-Origin";

    public static final String PARAMETER = "_hub_origin";

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,64}");

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
        return origin != null && TOKEN.matcher(origin).matches() ? origin : null;
    }
}
