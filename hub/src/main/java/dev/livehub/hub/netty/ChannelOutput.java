package dev.livehub.hub.netty;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

import dev.livehub.hub.SseOutput;

/**
 * A stream's bytes onto a Netty channel. {@link #send} queues the bytes on the channel and returns at once while the
 * channel is writable (its outbound buffer under Netty's high water mark,
 * {@code ChannelOption.WRITE_BUFFER_WATER_MARK}: 64 KiB by default); past it, it waits until the client has read enough
 * to make the channel writable again, so a client that does not read holds up its own writer only, and is closed when
 * it stays unwritable for longer than the write timeout. A write that fails closes the channel (the pipeline's
 * exception handler); the next send says so.
 *
 * <p>Why not wait for every write: the writer's virtual thread waiting on each write's promise made the event loop wake
 * it through the promise's monitor once per event, 16 % of the hub's CPU samples at 2,000 events a second over 5,000
 * streams (issue 17).
 */
final class ChannelOutput implements SseOutput {

    private final Channel channel;

    private final boolean chunked;

    private final long writeTimeoutMillis;

    /** Counted down once the response head is queued: no frame may go before it. */
    private final CountDownLatch begun = new CountDownLatch(1);

    private final ReentrantLock lock = new ReentrantLock();

    /** Signalled when the channel's writability changes or the channel closes. */
    private final Condition changed = lock.newCondition();

    ChannelOutput(Channel channel, boolean chunked, Duration writeTimeout) {
        this.channel = channel;
        this.chunked = chunked;
        this.writeTimeoutMillis = writeTimeout.toMillis();
    }

    /**
     * The channel became writable or unwritable ({@code channelWritabilityChanged}), or it closed
     * ({@code channelInactive}). Any thread.
     */
    void writabilityChanged() {
        lock.lock();
        try {
            changed.signalAll();
        }
        finally {
            lock.unlock();
        }
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
        channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)), channel.voidPromise());
        if (!channel.isWritable()) {
            awaitWritable();
        }
    }

    /** Waits until the client has read enough of what is queued, or closes the channel after the write timeout. */
    private void awaitWritable() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(writeTimeoutMillis);
        lock.lock();
        try {
            // The channel's state changes before the signal: checked under the lock, no signal is missed.
            while (channel.isActive() && !channel.isWritable()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    channel.close();
                    throw new SseOutput.DeadPeer("the client read nothing for " + writeTimeoutMillis + " ms");
                }
                changed.awaitNanos(left);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new IOException("interrupted while writing", ex);
        }
        finally {
            lock.unlock();
        }
        if (!channel.isActive()) {
            throw new IOException("the client closed the stream");
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
