package dev.livehub.app.cluster;

import java.time.Duration;
import java.util.Map;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.livehub.app.AppNode;
import dev.livehub.hub.testing.RedisClusterExtension;

/** Two nodes on a Redis Cluster of three masters with a replica each: sessions, streams and bells spread over it. */
class TwoNodesOnRedisClusterIntegrationTests extends TwoNodesContract {

    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    static RedisClusterClient client;

    static StatefulRedisClusterConnection<String, String> connection;

    @BeforeAll
    static void startNodes() {
        node1 = AppNode.onRedisCluster(cluster.seed(), Map.of("hub.heartbeat", "200ms",
                "hub.session-check-interval", "60s"));
        node2 = AppNode.onRedisCluster(cluster.seed(), Map.of("hub.heartbeat", "200ms",
                "hub.session-check-interval", "60s"));
        client = RedisClusterClient.create(RedisURI.create("redis://" + cluster.seed()));
        connection = client.connect();
    }

    @AfterAll
    static void closeClient() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
    }

    @Override
    String publishWithWireFormat(String key, String channel, String event, String json) {
        return TwoNodesIntegrationTests.wireFormat(connection.sync(), key, channel, event, json);
    }
}
