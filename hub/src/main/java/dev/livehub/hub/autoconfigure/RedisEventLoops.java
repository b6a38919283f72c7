package dev.livehub.hub.autoconfigure;

import io.netty.channel.IoEventLoopGroup;

import dev.livehub.hub.engine.Engine;
import dev.livehub.hub.engine.RedisEngine;
import dev.livehub.hub.netty.NettyStreamServer;

/**
 * The stream port on the Redis engine's event loops ({@link NettyStreamServer#eventLoops}): a live event is written on
 * the loop that read it from the pub/sub connection. Loaded only with Lettuce on the classpath.
 */
final class RedisEventLoops {

    private RedisEventLoops() {
    }

    /** Puts {@code server} on {@code engine}'s loops when it is a {@link RedisEngine} on a transport the port takes. */
    static void share(Engine engine, NettyStreamServer server) {
        if (!(engine instanceof RedisEngine redis)) {
            return;
        }
        redis.allocateEventLoops().ifPresent(loops -> {
            if (loops instanceof IoEventLoopGroup io && NettyStreamServer.canServeOn(io)) {
                server.eventLoops(io, () -> redis.releaseEventLoops(loops));
            }
            else {
                redis.releaseEventLoops(loops);
            }
        });
    }
}
