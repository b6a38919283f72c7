package dev.livehub.app.stream;

import org.springframework.test.context.TestPropertySource;

/**
 * The endpoint suite on the embedded default: memory engine, no Redis.
 */
@TestPropertySource(properties = "hub.engine=memory")
class MemoryStreamEndpointTests extends StreamEndpointContract {
}
