package dev.livehub.hub.netty;

import java.io.ByteArrayOutputStream;
import java.util.ArrayDeque;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
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

import dev.livehub.hub.publishing.HttpPublishing;

/**
 * {@code POST /hub/publish} and {@code /hub/publish/batch} on the stream port, answered as the servlet endpoint answers
 * them ({@link HttpPublishing}) without a servlet container: a body collected from the codec's chunks, the publication
 * sent to the store without waiting for it (an event loop serves thousands of streams), the answer written back on the
 * event loop once the store has answered, and the connection kept for the publisher's next request. No thread waits
 * for the store: at 2,000 publishes a second a virtual thread per request, parked on the store's answer, was a third
 * of the process's CPU samples. Every other request passes on to the stream handler.
 *
 * <p>Requests of one connection are answered in order, one at a time: while one is in the store the connection reads
 * nothing more (a publisher that pipelines waits in its socket, not in this process's memory). A connection idle for
 * {@link #KEEP_ALIVE_MILLIS} after its last answer is closed, as the servlet container closes its own.
 *
 * <p>A stranger holds nothing: a request refused from its head (not a POST, no or a wrong token) is answered at once,
 * its body unread and its connection closed, and a body not whole within the body timeout of its head (sent slowly,
 * chunked or not) has its connection closed.
 *
 * <p>A body over its bound is answered 413 as the servlet endpoint answers it ({@link HttpPublishing#leftUnread}): read
 * and dropped first when it is at most {@link HttpPublishing#DRAINED_PAST_BOUND} over (the client still sending it
 * reads the answer, and the connection stays), else answered from its head, or once the drain is spent, with
 * {@code Connection: close}, nothing more read.
 */
final class PublishRequestHandler extends ChannelInboundHandlerAdapter {

    /** How long a publisher's connection may stay idle between requests: Tomcat's keep-alive, as configured. */
    static final long KEEP_ALIVE_MILLIS = 75_000;

    /**
     * Bodies up to this size are read on the event loop (a publication of a few KB takes microseconds); a larger one
     * (a batch, up to 16 MiB) on a virtual thread, so that its parse holds none of the loop's streams.
     */
    static final int INLINE_BODY_BYTES = 64 * 1024;

    private final HttpPublishing publishing;

    /** The request whose body is being collected, or {@code null}. */
    private HttpRequest request;

    private String path;

    private ByteArrayOutputStream body;

    /** The current request is not a publish: its parts go on to the next handler. */
    private boolean passing;

    /** The current request's body is over its bound: its parts are counted and dropped, the 413 answered at its end. */
    private boolean draining;

    /** Bytes of the current request's body read so far. */
    private long received;

    /** An answer that closes the connection is owed: nothing more is read or passed on. */
    private boolean closing;

    /** Whole requests waiting for the one in the store; only touched on the channel's event loop. */
    private final Queue<Collected> waiting = new ArrayDeque<>();

    private boolean busy;

    /**
     * Whether the connection waits for its publisher's next request (its answers written, nothing waiting), and since
     * when ({@link System#nanoTime}).
     */
    private boolean idle;

    private long idleSince;

    /** When the current request's body must be whole ({@link System#nanoTime}). */
    private long bodyDue;

    /**
     * The checks of the two deadlines, each while it is scheduled. The deadlines move with every request, the checks
     * do not: a check that finds its deadline moved schedules itself again, as Netty's {@code IdleStateHandler} does,
     * and a body whole within the read of its head needs none. Two timers set and cancelled per request showed in the
     * event loop's profile at 2,000 publishes a second.
     */
    private ScheduledFuture<?> idleCheck;

    private ScheduledFuture<?> bodyCheck;

    private final long bodyTimeoutNanos;

    /**
     * A whole request waiting for its answer: a body to publish, or the answer it has already ({@code answer}, with
     * whether the connection closes after it).
     */
    private record Collected(HttpRequest request, String path, byte[] body, HttpPublishing.Answer answer,
            boolean close) {

        static Collected body(HttpRequest request, String path, byte[] body) {
            return new Collected(request, path, body, null, false);
        }

        static Collected answered(HttpRequest request, HttpPublishing.Answer answer, boolean close) {
            return new Collected(request, null, null, answer, close);
        }
    }

    PublishRequestHandler(HttpPublishing publishing, Duration bodyTimeout) {
        this.publishing = publishing;
        this.bodyTimeoutNanos = bodyTimeout.toNanos();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
        if (closing) {
            // What the codec had decoded already when the connection's last answer was decided: never served.
            ReferenceCountUtil.release(message);
            return;
        }
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
            if (message instanceof HttpContent content && request != null) {
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
        idle = false;
        passing = !HttpPublishing.serves(target) || head.decoderResult().isFailure();
        if (passing) {
            return false;
        }
        // The head is in: the timeout that guards a head sent slowly has done its work.
        if (ctx.pipeline().get(RequestHeadTimeout.class) != null) {
            ctx.pipeline().remove(RequestHeadTimeout.class);
        }
        path = target;
        HttpPublishing.Answer refused = publishing.refusalBeforeBody(head.method().name(),
                head.headers().get(HttpHeaderNames.AUTHORIZATION), head.headers().get(HttpHeaderNames.CONTENT_TYPE),
                head.headers().get(HttpHeaderNames.CONTENT_ENCODING));
        if (refused != null) {
            // A stranger's body is never read: answered in its turn, the connection closed whatever follows.
            answerAndClose(ctx, head, refused);
            return true;
        }
        long declared = HttpUtil.getContentLength(head, -1L);
        boolean expectsContinue = HttpUtil.is100ContinueExpected(head);
        if (HttpPublishing.leftUnread(target, declared, expectsContinue)) {
            answerAndClose(ctx, head, HttpPublishing.tooLarge(target));
            return true;
        }
        request = head;
        received = 0;
        draining = declared > HttpPublishing.maxBody(target);
        if (expectsContinue) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
        body = draining ? null : new ByteArrayOutputStream(declared > 0 ? (int) declared : 256);
        // Checked once this read is over (channelReadComplete), if the body is not whole by then.
        bodyDue = System.nanoTime() + bodyTimeoutNanos;
        return true;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (request != null && bodyCheck == null) {
            checkBody(ctx);
        }
        ctx.fireChannelReadComplete();
    }

    /** Closes the connection if the body being collected is late, else checks again when it would be. */
    private void checkBody(ChannelHandlerContext ctx) {
        bodyCheck = null;
        if (request == null) {
            return;
        }
        long left = bodyDue - System.nanoTime();
        if (left <= 0) {
            ctx.close();
            return;
        }
        bodyCheck = ctx.executor().schedule(() -> checkBody(ctx), left, TimeUnit.NANOSECONDS);
    }

    /** Closes the connection if it has been idle for {@link #KEEP_ALIVE_MILLIS}, else checks again when it would. */
    private void checkIdle(ChannelHandlerContext ctx) {
        idleCheck = null;
        if (!idle) {
            return;
        }
        long left = TimeUnit.MILLISECONDS.toNanos(KEEP_ALIVE_MILLIS) - (System.nanoTime() - idleSince);
        if (left <= 0) {
            ctx.close();
            return;
        }
        idleCheck = ctx.executor().schedule(() -> checkIdle(ctx), left, TimeUnit.NANOSECONDS);
    }

    private void collect(ChannelHandlerContext ctx, HttpContent content) {
        ByteBuf bytes = content.content();
        int length = bytes.readableBytes();
        received += length;
        long over = received - HttpPublishing.maxBody(path);
        if (over > 0) {
            // Dropped: a chunked body past its bound is read on up to the drain's bound, then left unread.
            draining = true;
            body = null;
            if (over > HttpPublishing.DRAINED_PAST_BOUND) {
                answerAndClose(ctx, request, HttpPublishing.tooLarge(path));
                return;
            }
        }
        if (!draining) {
            byte[] chunk = new byte[length];
            bytes.readBytes(chunk);
            body.writeBytes(chunk);
        }
        if (content instanceof LastHttpContent) {
            HttpRequest head = request;
            request = null;
            answerLater(ctx, draining ? Collected.answered(head, HttpPublishing.tooLarge(path), false)
                    : Collected.body(head, path, body.toByteArray()));
            body = null;
        }
    }

    /** Answers {@code answer} after the answers owed before it, then closes; nothing more is read. */
    private void answerAndClose(ChannelHandlerContext ctx, HttpRequest head, HttpPublishing.Answer answer) {
        closing = true;
        request = null;
        body = null;
        answerLater(ctx, Collected.answered(head, answer, true));
    }

    private void answerLater(ChannelHandlerContext ctx, Collected collected) {
        waiting.add(collected);
        // Nothing more is read until the answers are out: see the class comment.
        ctx.channel().config().setAutoRead(false);
        next(ctx);
    }

    /** Sends the next waiting request to the store, unless one is there already; on the event loop. */
    private void next(ChannelHandlerContext ctx) {
        if (busy) {
            return;
        }
        Collected collected = waiting.poll();
        if (collected == null) {
            ctx.channel().config().setAutoRead(true);
            idle = true;
            idleSince = System.nanoTime();
            if (idleCheck == null) {
                checkIdle(ctx);
            }
            return;
        }
        busy = true;
        if (collected.answer() != null) {
            respond(ctx, collected.request(), collected.answer(),
                    !collected.close() && HttpUtil.isKeepAlive(collected.request()));
        }
        else if (collected.body().length <= INLINE_BODY_BYTES) {
            publish(ctx, collected);
        }
        else {
            // A large body (a batch) is read on a thread of its own: its parse would hold this loop's streams.
            Thread.ofVirtual().name("hub-publish").start(() -> publish(ctx, collected));
        }
    }

    /** Reads the body and sends its publications; the answer is written on the event loop once the store answered. */
    private void publish(ChannelHandlerContext ctx, Collected collected) {
        HttpRequest head = collected.request();
        publishing.answerAsync(head.method().name(), collected.path(), head.headers().get(HttpHeaderNames.AUTHORIZATION),
                collected.body(), ctx.executor()).whenComplete((answer, error) -> {
                    if (error != null) {
                        // Only when the event loop no longer takes tasks: the channel is closing.
                        ctx.close();
                        return;
                    }
                    respond(ctx, head, answer, HttpUtil.isKeepAlive(head));
                });
    }

    /** Writes the answer on the event loop, then goes on to the next waiting request, or closes. */
    private void respond(ChannelHandlerContext ctx, HttpRequest head, HttpPublishing.Answer answer,
            boolean keepAlive) {
        ctx.writeAndFlush(response(head, answer, keepAlive)).addListener(written -> {
            busy = false;
            if (!keepAlive || !written.isSuccess()) {
                ctx.close();
                return;
            }
            next(ctx);
        });
    }

    private static FullHttpResponse response(HttpRequest request, HttpPublishing.Answer answer, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
                HttpResponseStatus.valueOf(answer.status()), Unpooled.wrappedBuffer(answer.json()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
            .setInt(HttpHeaderNames.CONTENT_LENGTH, answer.json().length)
            .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
            .set(StreamRequestHandler.X_CONTENT_TYPE_OPTIONS, StreamRequestHandler.NOSNIFF);
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
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        if (bodyCheck != null) {
            bodyCheck.cancel(false);
        }
        ctx.fireChannelInactive();
    }
}
