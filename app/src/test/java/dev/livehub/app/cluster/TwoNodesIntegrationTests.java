package dev.livehub.app.cluster;

import java.util.Map;

import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.livehub.app.AppNode;
import dev.livehub.hub.testing.RedisServerExtension;

/** Two nodes on one standalone Redis. */
class TwoNodesIntegrationTests extends TwoNodesContract {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @BeforeAll
    static void startNodes() {
        node1 = AppNode.onRedis(redis.port(), Map.of("hub.heartbeat", "200ms", "hub.session-check-interval", "60s"));
        node2 = AppNode.onRedis(redis.port(), Map.of("hub.heartbeat", "200ms", "hub.session-check-interval", "60s"));
    }

    @Override
    String publishWithWireFormat(String key, String channel, String event, String json) {
        return wireFormat(redis.commands(), key, channel, event, json);
    }

    /** XADD, PEXPIRE, SPUBLISH: the README's recipe, command by command. */
    static String wireFormat(io.lettuce.core.cluster.api.sync.RedisClusterCommands<String, String> commands,
            String key, String channel, String event, String json) {
        String id = commands.xadd(key, XAddArgs.Builder.maxlen(1000).approximateTrimming(),
                Map.of("event", event, "data", json));
        commands.pexpire(key, 86_400_000);
        commands.dispatch(CommandType.SPUBLISH, new IntegerOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).addKey(channel).add(id + "\n" + event + "\n" + json));
        return id;
    }
}
