package dev.livehub.hub.netty;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

import dev.livehub.hub.SseOutput;

/**
 * A stream's bytes onto a Netty channel. {@link #send} returns once the bytes are in the socket, so a client that does
 * not read holds up its own writer only, and is closed when one write waits longer than the write timeout.
 */
final class ChannelOutput implements SseOutput {

    private final Channel channel;

    private final boolean chunked;

    private final long writeTimeoutMillis;

    /** Counted down once the response head is queued: no frame may go before it. */
    private final CountDownLatch begun = new CountDownLatch(1);

    ChannelOutput(Channel channel, boolean chunked, Duration writeTimeout) {
        this.channel = channel;
        this.chunked = chunked;
        this.writeTimeoutMillis = writeTimeout.toMillis();
    }

    /** Queues the response head; frames sent before this wait for it (writes queue in call order). */
    void begin(HttpResponse response) {
        channel.writeAndFlush(response);
        begun.countDown();
    }

    @Override
    public void send(byte[] bytes) throws IOException {
        awaitHead();
        if (!channel.isActive()) {
            throw new IOException("the client closed the stream");
        }
        ChannelFuture written = channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)));
        try {
            if (!written.await(writeTimeoutMillis)) {
                channel.close();
                throw new SseOutput.DeadPeer("the client read nothing for " + writeTimeoutMillis + " ms");
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new IOException("interrupted while writing", ex);
        }
        if (!written.isSuccess()) {
            throw new IOException("write failed: " + written.cause().getMessage(), written.cause());
        }
    }

    private void awaitHead() throws IOException {
        try {
            if (!begun.await(writeTimeoutMillis, TimeUnit.MILLISECONDS)) {
                channel.close();
                throw new IOException("the response head was not sent within " + writeTimeoutMillis + " ms");
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new IOException("interrupted while waiting for the response head", ex);
        }
    }

    @Override
    public void close() {
        if (!channel.isActive()) {
            return;
        }
        if (chunked) {
            channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        }
        else {
            channel.close();
        }
    }
}
