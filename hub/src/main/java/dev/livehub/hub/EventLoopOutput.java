package dev.livehub.hub;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * An output that belongs to an event loop (a Netty channel's): its stream is written by tasks on that loop, with no
 * thread of its own, and a write never waits. A client that does not read makes the output {@link #isBackedUp()
 * backed up}; the writer then stops until {@link #onReady ready} and gives up on the client after
 * {@link #writeTimeout()}.
 *
 * <p>Thread-safety: {@link #execute}, {@link #schedule}, {@link #onReady} and {@link #close} may be called from any
 * thread; every other method only on the output's event loop.
 */
public interface EventLoopOutput extends SseOutput {

    /**
     * Runs {@code task} on the output's event loop, after the tasks queued there before it.
     *
     * @throws RejectedExecutionException when the loop has shut down (its channels are closed)
     */
    void execute(Runnable task);

    /**
     * Runs {@code task} on the output's event loop after {@code delay}; cancelling the future removes it.
     *
     * @throws RejectedExecutionException when the loop has shut down
     */
    Future<?> schedule(Runnable task, long delay, TimeUnit unit);

    /**
     * Sets what runs, on the loop, whenever the output may have stopped being backed up: once the response head is
     * written, whenever the client has read enough of what was written, and when the output closes. Set once, when
     * the stream starts.
     */
    void onReady(Runnable ready);

    /**
     * Whether the writer must wait for {@link #onReady ready}: the response head is not written yet, or the client
     * has not read enough of what was written (an open channel over its high water mark). A closed output is not
     * backed up: its writes fail at once.
     */
    boolean isBackedUp();

    /** Queues {@code bytes} without flushing; throws when the client is gone. */
    void write(byte[] bytes) throws IOException;

    /** Sends what {@link #write} queued. */
    void flush();

    /** {@link #write}, then {@link #flush}. */
    @Override
    default void send(byte[] bytes) throws IOException {
        write(bytes);
        flush();
    }

    /** How long the output may stay {@link #isBackedUp() backed up} before its client counts as gone. */
    Duration writeTimeout();

    /**
     * Closes an output that stayed backed up for {@link #writeTimeout()}, and says why: a {@link SseOutput.DeadPeer}
     * when the client read nothing, another failure when the response head could not be written.
     */
    IOException timedOut();
}
