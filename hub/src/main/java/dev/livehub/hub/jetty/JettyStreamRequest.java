package dev.livehub.hub.jetty;

import java.util.ArrayList;
import java.util.List;

import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

import dev.livehub.hub.admission.StreamRefusal;
import dev.livehub.hub.admission.StreamRequest;

/** A Jetty request head as the admission sees it. */
final class JettyStreamRequest implements StreamRequest {

    private final Request request;

    private Fields query;

    JettyStreamRequest(Request request) {
        this.request = request;
    }

    @Override
    public String method() {
        return request.getMethod();
    }

    @Override
    public List<String> headers(String name) {
        return request.getHeaders().getValuesList(name);
    }

    @Override
    public List<String> parameters(String name) {
        if (query == null) {
            try {
                // '&' separates parameters, as in a servlet container's query string; a ';' is part of a value.
                query = Request.extractQueryParameters(request);
            }
            catch (RuntimeException ex) {
                // Bad percent-encoding or UTF-8 (Jetty's BadMessageException, an IllegalArgumentException).
                throw StreamRefusal.badQuery();
            }
        }
        return query.getValuesOrEmpty(name);
    }

    @Override
    public List<String> cookies(String name) {
        List<String> values = new ArrayList<>(1);
        for (HttpCookie cookie : Request.getCookies(request)) {
            if (cookie.getName().equals(name)) {
                values.add(cookie.getValue());
            }
        }
        return values;
    }
}
