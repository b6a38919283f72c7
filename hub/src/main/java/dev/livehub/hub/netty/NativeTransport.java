package dev.livehub.hub.netty;

import java.time.Duration;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;

/**
 * Netty's native epoll transport, when its classes and its Linux library are there: it is what exposes
 * {@code TCP_USER_TIMEOUT}, which the JDK's sockets do not. Only touched after {@link #isAvailable()}.
 */
final class NativeTransport {

    private NativeTransport() {
    }

    static boolean isAvailable() {
        try {
            Class.forName("io.netty.channel.epoll.Epoll", false, NativeTransport.class.getClassLoader());
        }
        catch (ClassNotFoundException ex) {
            return false;
        }
        return Epoll.isAvailable();
    }

    /** Whether {@code group} runs the epoll transport (false without it: then it cannot). */
    static boolean isType(IoEventLoopGroup group) {
        return isAvailable() && group.isIoType(EpollIoHandler.class);
    }

    static IoHandlerFactory ioHandlerFactory() {
        return EpollIoHandler.newFactory();
    }

    /**
     * TCP keepalive cannot find a dead peer while sent data waits for its acknowledgement (heartbeats keep some in
     * flight): the kernel retransmits for ~15 minutes instead. {@code TCP_USER_TIMEOUT} bounds that wait.
     */
    static void configure(ServerBootstrap bootstrap, Duration userTimeout) {
        bootstrap.channel(EpollServerSocketChannel.class)
            .childOption(EpollChannelOption.TCP_USER_TIMEOUT, (int) Math.min(Integer.MAX_VALUE, userTimeout.toMillis()));
    }
}
