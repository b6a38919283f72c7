package dev.livehub.hub.netty;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

import dev.livehub.hub.EventLoopOutput;
import dev.livehub.hub.SseOutput;

/**
 * A stream's bytes onto a Netty channel, written on the channel's event loop by the hub's event-loop writer: nothing
 * waits, and no thread is held per stream. The channel is backed up until its response head is written, and while its
 * outbound buffer is over Netty's high water mark ({@code ChannelOption.WRITE_BUFFER_WATER_MARK}: 64 KiB by default);
 * the writer then waits for {@link #writabilityChanged}, and gives up on a client that stays so for longer than the
 * write timeout. A write that fails closes the channel (the pipeline's exception handler); the next write says so.
 *
 * <p>Why on the loop: a writer on a virtual thread of its own cost a timed park and unpark per wait (11 % of the CPU
 * samples at 2,000 events a second over 5,000 streams, and 2 % more in the JDK's timers) and a hop to the event loop
 * per write; before that, waiting on each write's promise cost 16 % (issue 17).
 */
final class ChannelOutput implements EventLoopOutput {

    private final Channel channel;

    private final boolean chunked;

    private final Duration writeTimeout;

    /** The response head is written (on the loop): frames may go. */
    private volatile boolean begun;

    private volatile Runnable ready;

    ChannelOutput(Channel channel, boolean chunked, Duration writeTimeout) {
        this.channel = channel;
        this.chunked = chunked;
        this.writeTimeout = writeTimeout;
    }

    /** Writes the response head, on the loop; then the stream's writer may write. Any thread. */
    void begin(HttpResponse response) {
        try {
            channel.eventLoop().execute(() -> {
                channel.writeAndFlush(response);
                begun = true;
                ready();
            });
        }
        catch (RejectedExecutionException ex) {
            // The loop has shut down: the channel is closed with it.
            channel.close();
        }
    }

    /**
     * The channel became writable or unwritable ({@code channelWritabilityChanged}), or it closed
     * ({@code channelInactive}). On the loop.
     */
    void writabilityChanged() {
        if (begun) {
            ready();
        }
    }

    private void ready() {
        Runnable writer = ready;
        if (writer != null) {
            writer.run();
        }
    }

    @Override
    public void onReady(Runnable ready) {
        this.ready = ready;
    }

    @Override
    public void execute(Runnable task) {
        channel.eventLoop().execute(task);
    }

    @Override
    public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
        return channel.eventLoop().schedule(task, delay, unit);
    }

    @Override
    public boolean isBackedUp() {
        return !begun || channel.isActive() && !channel.isWritable();
    }

    @Override
    public void write(byte[] bytes) throws IOException {
        if (!channel.isActive()) {
            throw new IOException("the client closed the stream");
        }
        channel.write(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)), channel.voidPromise());
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    public Duration writeTimeout() {
        return writeTimeout;
    }

    @Override
    public IOException timedOut() {
        channel.close();
        return begun ? new SseOutput.DeadPeer("the client read nothing for " + writeTimeout.toMillis() + " ms")
                : new IOException("the response head was not sent within " + writeTimeout.toMillis() + " ms");
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
