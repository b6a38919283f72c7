package dev.livehub.hub.netty;

import java.util.ArrayList;
import java.util.List;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;

import dev.livehub.hub.admission.StreamRefusal;
import dev.livehub.hub.admission.StreamRequest;

/** A Netty request head as the admission sees it. */
final class NettyStreamRequest implements StreamRequest {

    private final HttpRequest request;

    private final QueryStringDecoder query;

    NettyStreamRequest(HttpRequest request, QueryStringDecoder query) {
        this.request = request;
        this.query = query;
    }

    @Override
    public String method() {
        return request.method().name();
    }

    @Override
    public List<String> headers(String name) {
        return request.headers().getAll(name);
    }

    @Override
    public List<String> parameters(String name) {
        try {
            return query.parameters().getOrDefault(name, List.of());
        }
        catch (IllegalArgumentException ex) {
            throw StreamRefusal.badQuery();
        }
    }

    @Override
    public List<String> cookies(String name) {
        List<String> values = new ArrayList<>(1);
        for (String header : request.headers().getAll(HttpHeaderNames.COOKIE)) {
            // decodeAll, not decode: decode's set keeps one cookie of a name.
            for (Cookie cookie : ServerCookieDecoder.LAX.decodeAll(header)) {
                if (cookie.name().equals(name)) {
                    values.add(cookie.value());
                }
            }
        }
        return values;
    }
}
