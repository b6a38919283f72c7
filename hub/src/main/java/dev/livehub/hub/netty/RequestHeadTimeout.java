package dev.livehub.hub.netty;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Closes a connection whose request head has not arrived within a bound of its opening, however slowly bytes
 * trickle in: a denial-of-service guard (connections that send nothing, or a byte every few seconds, would otherwise
 * hold a file descriptor each for good). The request handler removes it once the head is in.
 */
final class RequestHeadTimeout extends ChannelInboundHandlerAdapter {

    private final long timeoutMillis;

    private ScheduledFuture<?> timeout;

    RequestHeadTimeout(Duration timeout) {
        this.timeoutMillis = timeout.toMillis();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeout = ctx.executor().schedule(() -> {
            ctx.close();
        }, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }
}
