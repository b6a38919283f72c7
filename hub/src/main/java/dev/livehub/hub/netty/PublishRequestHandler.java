package dev.livehub.hub.netty;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import dev.livehub.hub.web.HttpPublishing;

/**
 * {@code POST /hub/publish} and {@code /hub/publish/batch} on the stream port, answered as the servlet endpoint answers
 * them ({@link HttpPublishing}) without a servlet container: a body collected from the codec's chunks, the publication
 * appended on a virtual thread (the store call blocks; an event loop serves thousands of streams), the answer written
 * back, and the connection kept for the publisher's next request. Every other request passes on to the stream handler.
 *
 * <p>Requests of one connection are answered in order, one at a time: while one is in the store the connection reads
 * nothing more (a publisher that pipelines waits in its socket, not in this process's memory). A connection idle for
 * {@link #KEEP_ALIVE_MILLIS} after its last answer is closed, as the servlet container closes its own.
 *
 * <p>A stranger holds nothing: a request refused from its head (not a POST, no or a wrong token) is answered at once,
 * its body unread and its connection closed, and a body not whole within the body timeout of its head (sent slowly,
 * chunked or not) has its connection closed.
 */
final class PublishRequestHandler extends ChannelInboundHandlerAdapter {

    /** How long a publisher's connection may stay idle between requests: Tomcat's keep-alive, as configured. */
    static final long KEEP_ALIVE_MILLIS = 75_000;

    private final HttpPublishing publishing;

    /** The request whose body is being collected, or {@code null}. */
    private HttpRequest request;

    private String path;

    private ByteArrayOutputStream body;

    /** The current request is not a publish: its parts go on to the next handler. */
    private boolean passing;

    /** The current request's body is over the bound: its parts are dropped, the connection closes after the 413. */
    private boolean discarding;

    /** Whole requests waiting for the one in the store; only touched on the channel's event loop. */
    private final Queue<Collected> waiting = new ArrayDeque<>();

    private boolean busy;

    private ScheduledFuture<?> idle;

    /** Closes the connection if the current request's body is not whole in time. */
    private ScheduledFuture<?> bodyDeadline;

    private final long bodyTimeoutMillis;

    private record Collected(HttpRequest request, String path, byte[] body) {
    }

    PublishRequestHandler(HttpPublishing publishing, Duration bodyTimeout) {
        this.publishing = publishing;
        this.bodyTimeoutMillis = bodyTimeout.toMillis();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (message instanceof HttpRequest head) {
            if (!head(ctx, head)) {
                ctx.fireChannelRead(message);
                return;
            }
        }
        else if (passing) {
            ctx.fireChannelRead(message);
            return;
        }
        try {
            if (message instanceof HttpContent content && !discarding && request != null) {
                collect(ctx, content);
            }
        }
        finally {
            ReferenceCountUtil.release(message);
        }
    }

    /** A request head: true when it is a publish, to be collected here. */
    private boolean head(ChannelHandlerContext ctx, HttpRequest head) {
        String uri = head.uri();
        int query = uri.indexOf('?');
        String target = query < 0 ? uri : uri.substring(0, query);
        // A request came: the idle connection's close is off (a stream after a publish must not be closed by it).
        if (idle != null) {
            idle.cancel(false);
            idle = null;
        }
        passing = !HttpPublishing.serves(target) || head.decoderResult().isFailure();
        if (passing) {
            return false;
        }
        // The head is in: the timeout that guards a head sent slowly has done its work.
        if (ctx.pipeline().get(RequestHeadTimeout.class) != null) {
            ctx.pipeline().remove(RequestHeadTimeout.class);
        }
        request = head;
        path = target;
        discarding = false;
        HttpPublishing.Answer refused = publishing.refusalBeforeBody(head.method().name(),
                head.headers().get(HttpHeaderNames.AUTHORIZATION));
        if (refused != null) {
            // A stranger's body is never read: answered now, the connection closed whatever follows.
            discarding = true;
            request = null;
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(response(head, refused, false)).addListener(ChannelFutureListener.CLOSE);
            return true;
        }
        long declared = HttpUtil.getContentLength(head, -1L);
        if (declared > HttpPublishing.maxBody(target)) {
            tooLarge(ctx);
            return true;
        }
        if (HttpUtil.is100ContinueExpected(head)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
        body = new ByteArrayOutputStream(declared > 0 ? (int) declared : 256);
        bodyDeadline = ctx.executor().schedule(() -> {
            ctx.close();
        }, bodyTimeoutMillis, TimeUnit.MILLISECONDS);
        return true;
    }

    private void collect(ChannelHandlerContext ctx, HttpContent content) {
        ByteBuf bytes = content.content();
        if (body.size() + bytes.readableBytes() > HttpPublishing.maxBody(path)) {
            tooLarge(ctx);
            return;
        }
        int length = bytes.readableBytes();
        byte[] chunk = new byte[length];
        bytes.readBytes(chunk);
        body.writeBytes(chunk);
        if (content instanceof LastHttpContent) {
            cancelBodyDeadline();
            Collected collected = new Collected(request, path, body.toByteArray());
            request = null;
            body = null;
            waiting.add(collected);
            // Nothing more is read until the answers are out: see the class comment.
            ctx.channel().config().setAutoRead(false);
            next(ctx);
        }
    }

    /** Sends the next waiting request to the store, unless one is there already; on the event loop. */
    private void next(ChannelHandlerContext ctx) {
        if (busy) {
            return;
        }
        Collected collected = waiting.poll();
        if (collected == null) {
            ctx.channel().config().setAutoRead(true);
            idle = ctx.executor().schedule(() -> {
                ctx.close();
            }, KEEP_ALIVE_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        busy = true;
        Thread.ofVirtual().name("hub-publish").start(() -> {
            HttpPublishing.Answer answer = publishing.answer(collected.request().method().name(), collected.path(),
                    collected.request().headers().get(HttpHeaderNames.AUTHORIZATION), collected.body());
            boolean keepAlive = HttpUtil.isKeepAlive(collected.request());
            ctx.writeAndFlush(response(collected.request(), answer, keepAlive)).addListener(written -> {
                busy = false;
                if (!keepAlive || !written.isSuccess()) {
                    ctx.close();
                    return;
                }
                next(ctx);
            });
        });
    }

    private void cancelBodyDeadline() {
        if (bodyDeadline != null) {
            bodyDeadline.cancel(false);
            bodyDeadline = null;
        }
    }

    private void tooLarge(ChannelHandlerContext ctx) {
        cancelBodyDeadline();
        discarding = true;
        HttpRequest head = request;
        request = null;
        body = null;
        ctx.writeAndFlush(response(head, HttpPublishing.tooLarge(path), false)).addListener(ChannelFutureListener.CLOSE);
    }

    private static FullHttpResponse response(HttpRequest request, HttpPublishing.Answer answer, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
                HttpResponseStatus.valueOf(answer.status()), Unpooled.wrappedBuffer(answer.json()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
            .setInt(HttpHeaderNames.CONTENT_LENGTH, answer.json().length);
        if (answer.retryAfter()) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        if (answer.allow() != null) {
            response.headers().set(HttpHeaderNames.ALLOW, answer.allow());
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        return response;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (idle != null) {
            idle.cancel(false);
        }
        cancelBodyDeadline();
        ctx.fireChannelInactive();
    }
}
