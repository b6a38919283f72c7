package dev.livehub.hub.netty;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.livehub.hub.Connection;
import dev.livehub.hub.Cursor;
import dev.livehub.hub.Hub;
import dev.livehub.hub.TooManyConnectionsException;
import dev.livehub.hub.web.ConnectRate;
import dev.livehub.hub.web.InvalidTokenException;
import dev.livehub.hub.web.RefusalBody;
import dev.livehub.hub.web.SubscriberTokens;

/**
 * One channel's request: checks it like the servlet endpoint does, then hands the channel to the hub as a stream.
 * Anything but one {@code GET /stream/app} per channel is refused with the endpoint's JSON refusals.
 */
final class StreamRequestHandler extends SimpleChannelInboundHandler<HttpObject> {

    private static final Logger log = LoggerFactory.getLogger(StreamRequestHandler.class);

    private final Hub hub;

    private final SubscriberTokens tokens;

    private final ConnectRate rate;

    private final Duration writeTimeout;

    private boolean streaming;

    StreamRequestHandler(Hub hub, SubscriberTokens tokens, ConnectRate rate, Duration writeTimeout) {
        this.hub = hub;
        this.tokens = tokens;
        this.rate = rate;
        this.writeTimeout = writeTimeout;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
        if (!(message instanceof HttpRequest request) || streaming) {
            // A GET's (empty) body, or anything a client sends on a stream: nothing to do.
            return;
        }
        if (request.decoderResult().isFailure()) {
            refuse(ctx, request, HttpResponseStatus.BAD_REQUEST, "bad_request",
                    "the request is not valid HTTP: " + request.decoderResult().cause().getMessage(), 0);
            return;
        }
        QueryStringDecoder query = new QueryStringDecoder(request.uri());
        if (!query.path().equals("/stream/app")) {
            refuse(ctx, request, HttpResponseStatus.NOT_FOUND, "not_found",
                    "this port serves GET /stream/app only", 0);
            return;
        }
        if (!request.method().equals(HttpMethod.GET)) {
            refuse(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                    "open a stream with GET", 0);
            return;
        }
        SubscriberTokens.Subscriber subscriber;
        Cursor cursor;
        try {
            subscriber = subscriber(request, query);
        }
        catch (InvalidTokenException ex) {
            refuse(ctx, request, HttpResponseStatus.UNAUTHORIZED, "bad_token", ex.getMessage(), 0);
            return;
        }
        if (subscriber == null) {
            refuse(ctx, request, HttpResponseStatus.UNAUTHORIZED, "unauthenticated",
                    "send a subscriber token (?" + tokens.parameter() + "= or the " + tokens.cookie() + " cookie)", 0);
            return;
        }
        try {
            cursor = Cursor.fromRequest(request.headers().getAll("Last-Event-ID"),
                    query.parameters().getOrDefault("last_id", List.of()));
        }
        catch (IllegalArgumentException ex) {
            refuse(ctx, request, HttpResponseStatus.BAD_REQUEST, "bad_cursor", ex.getMessage(), 0);
            return;
        }
        try {
            List<String> compact = query.parameters().getOrDefault("compact", List.of());
            if (Cursor.compactParameter(compact.isEmpty() ? null : compact.getFirst())) {
                cursor = cursor.compacting();
            }
        }
        catch (IllegalArgumentException ex) {
            refuse(ctx, request, HttpResponseStatus.BAD_REQUEST, "bad_compact", ex.getMessage(), 0);
            return;
        }
        long wait = rate.acquire(subscriber.user());
        if (wait > 0) {
            refuse(ctx, request, HttpResponseStatus.TOO_MANY_REQUESTS, "too_many_connects",
                    "this user opens streams too often; retry in " + wait + " s", wait);
            return;
        }
        open(ctx, request, subscriber, cursor);
    }

    private void open(ChannelHandlerContext ctx, HttpRequest request, SubscriberTokens.Subscriber subscriber,
            Cursor cursor) {
        // HTTP/1.1 streams go chunked; an HTTP/1.0 client reads the body until the connection closes.
        boolean chunked = request.protocolVersion().equals(HttpVersion.HTTP_1_1);
        ChannelOutput output = new ChannelOutput(ctx.channel(), chunked, writeTimeout);
        Connection connection;
        try {
            connection = hub.connect(subscriber.user(), cursor, output, subscriber.expiresAt());
        }
        catch (TooManyConnectionsException ex) {
            refuse(ctx, request, HttpResponseStatus.TOO_MANY_REQUESTS, "too_many_connections", ex.getMessage(), 5);
            return;
        }
        catch (IllegalStateException ex) {
            refuse(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting_down",
                    "this node is shutting down; reconnect to another", 5);
            return;
        }
        streaming = true;
        HttpResponse response = new DefaultHttpResponse(request.protocolVersion(), HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
            .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
            // nginx buffers proxied responses unless told not to: https://nginx.org/r/proxy_buffering
            .set("X-Accel-Buffering", "no");
        if (chunked) {
            HttpUtil.setTransferEncodingChunked(response, true);
        }
        else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        // The head goes first although the stream's writer already runs: this method runs on the channel's event
        // loop, so the writer's first write is a task queued behind it, while this one is written at once.
        output.begin(response);
        ctx.channel().closeFuture().addListener(closed -> connection.close());
    }

    private SubscriberTokens.Subscriber subscriber(HttpRequest request, QueryStringDecoder query) {
        List<String> given = query.parameters().get(tokens.parameter());
        if (given != null && !given.isEmpty()) {
            return tokens.verify(given.getFirst());
        }
        for (String header : request.headers().getAll(HttpHeaderNames.COOKIE)) {
            for (Cookie cookie : ServerCookieDecoder.LAX.decode(header)) {
                if (cookie.name().equals(tokens.cookie())) {
                    return tokens.verify(cookie.value());
                }
            }
        }
        return null;
    }

    /** {@code {"error":"<code>","message":"<sentence>"}}, and the channel is closed after it. */
    private static void refuse(ChannelHandlerContext ctx, HttpRequest request, HttpResponseStatus status,
            String code, String message, long retryAfterSeconds) {
        byte[] body = RefusalBody.of(code, message).getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), status,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
            .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (retryAfterSeconds > 0) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds));
        }
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("Stream channel failed: {}", cause.getMessage());
        ctx.close();
    }
}
