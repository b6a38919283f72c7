package dev.livehub.hub.engine;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.livehub.hub.testing.RedisServerExtension;

/**
 * The engine contract on a real redis-server; each test has a key prefix of its own.
 */
class RedisEngineIntegrationTests extends EngineContract {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static final AtomicInteger tests = new AtomicInteger();

    private final String prefix = "t" + tests.incrementAndGet();

    @Override
    protected Engine newEngine(StreamSettings settings) {
        return new RedisEngine(RedisClient.create(redis.uri()), new RedisKeys(prefix), settings, Duration.ofSeconds(5));
    }

    @Override
    protected int trimSlack() {
        // XADD MAXLEN ~ removes whole radix-tree nodes, of stream-node-max-entries (100) entries each.
        return 100;
    }
}
