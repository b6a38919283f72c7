package dev.livehub.hub.netty;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AsciiString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.livehub.hub.SseOutput;
import dev.livehub.hub.admission.OpenStream;
import dev.livehub.hub.admission.SessionUsers;
import dev.livehub.hub.admission.StreamAdmission;
import dev.livehub.hub.admission.StreamRefusal;

/**
 * One channel's request: translates it for the {@link StreamAdmission}, then hands the channel to the hub as a stream.
 * Anything but one {@code GET /stream/app} per channel is refused with the endpoint's JSON refusals.
 */
final class StreamRequestHandler extends SimpleChannelInboundHandler<HttpObject> {

    /**
     * On every answer of the stream port, as Spring Security sends it on the server's port: a browser never reads a
     * JSON answer or an event stream as another type (https://fetch.spec.whatwg.org/#x-content-type-options-header).
     */
    static final AsciiString X_CONTENT_TYPE_OPTIONS = AsciiString.cached("x-content-type-options");

    static final AsciiString NOSNIFF = AsciiString.cached("nosniff");

    private static final Logger log = LoggerFactory.getLogger(StreamRequestHandler.class);

    private final StreamAdmission admission;

    private final SessionUsers sessions;

    private final Duration writeTimeout;

    private boolean streaming;

    /** The stream's output, once admission has begun: told when the channel's writability changes or it closes. */
    private volatile ChannelOutput output;

    /** The stream, once admitted. */
    private volatile OpenStream stream;

    StreamRequestHandler(StreamAdmission admission, SessionUsers sessions, Duration writeTimeout) {
        this.admission = admission;
        this.sessions = sessions;
        this.writeTimeout = writeTimeout;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
        if (!(message instanceof HttpRequest request) || streaming) {
            // A GET's (empty) body, or anything a client sends on a stream: nothing to do.
            return;
        }
        // The head is in: the timeout that guards a head sent slowly has done its work.
        if (ctx.pipeline().get(RequestHeadTimeout.class) != null) {
            ctx.pipeline().remove(RequestHeadTimeout.class);
        }
        if (request.decoderResult().isFailure()) {
            refuse(ctx, request, new StreamRefusal(400, "bad_request",
                    "the request is not valid HTTP: " + request.decoderResult().cause().getMessage(), 0));
            return;
        }
        // A ';' is part of a value, as in a servlet container's query string (RFC 3986 gives it no role there):
        // Netty's default splits parameters at it, so '?last_id=1-0;x' was a valid cursor here and a 400 there.
        QueryStringDecoder query = QueryStringDecoder.builder().semicolonIsNormalChar(true).build(request.uri());
        if (!query.path().equals("/stream/app")) {
            refuse(ctx, request, new StreamRefusal(404, "not_found",
                    "this port serves GET /stream/app (and POST /hub/publish, /hub/publish/batch when publishing is on)",
                    0));
            return;
        }
        // Admission may block (a session is read from the session store, Redis with Spring Session), and an event loop
        // serves thousands of streams: it runs on a virtual thread of its own, and this channel reads nothing more.
        streaming = true;
        ctx.channel().config().setAutoRead(false);
        Thread.ofVirtual().name("hub-stream-admission").start(() -> admit(ctx, request, query));
    }

    private void admit(ChannelHandlerContext ctx, HttpRequest request, QueryStringDecoder query) {
        // HTTP/1.1 streams go chunked; an HTTP/1.0 client reads the body until the connection closes.
        boolean chunked = request.protocolVersion().equals(HttpVersion.HTTP_1_1);
        ChannelOutput output = new ChannelOutput(ctx.channel(), chunked, writeTimeout);
        this.output = output;
        OpenStream stream;
        try {
            stream = admission.open(new NettyStreamRequest(request, query), sessions, output);
        }
        catch (RuntimeException ex) {
            refuse(ctx, request, StreamRefusal.of(ex, "GET /stream/app", log));
            return;
        }
        HttpResponse response = new DefaultHttpResponse(request.protocolVersion(), HttpResponseStatus.OK);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
            .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
            .set(X_CONTENT_TYPE_OPTIONS, NOSNIFF)
            // nginx buffers proxied responses unless told not to: https://nginx.org/r/proxy_buffering
            .set("X-Accel-Buffering", "no");
        if (chunked) {
            HttpUtil.setTransferEncodingChunked(response, true);
        }
        else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        // The stream's writer already runs, on this channel's event loop: it writes once the head is written
        // (ChannelOutput.begin).
        output.begin(response);
        // Reading again lets the channel see the client's FIN (a closed tab frees its slot at once).
        ctx.channel().config().setAutoRead(true);
        this.stream = stream;
        ctx.channel().closeFuture().addListener(closed -> stream.end());
    }

    /** {@code {"error":"<code>","message":"<sentence>"}}, and the channel is closed after it. */
    static void refuse(ChannelHandlerContext ctx, HttpRequest request, StreamRefusal refusal) {
        byte[] body = refusal.body().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
                HttpResponseStatus.valueOf(refusal.status()), Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
            .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
            .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
            .set(X_CONTENT_TYPE_OPTIONS, NOSNIFF)
            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (refusal.retryAfterSeconds() > 0) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(refusal.retryAfterSeconds()));
        }
        if (refusal.status() == 405) {
            response.headers().set(HttpHeaderNames.ALLOW, "GET");
        }
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        wakeWriter();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        wakeWriter();
        super.channelInactive(ctx);
    }

    /** A writer waiting for the channel to drain, or for its head, looks again (ChannelOutput). */
    private void wakeWriter() {
        ChannelOutput current = output;
        if (current != null) {
            current.writabilityChanged();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("Stream channel failed: {}", cause.getMessage());
        OpenStream open = stream;
        if (open != null && SseOutput.DeadPeer.causedBy(cause)) {
            open.endDeadPeer();
        }
        ctx.close();
    }
}
