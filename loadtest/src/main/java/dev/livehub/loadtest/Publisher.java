package dev.livehub.loadtest;

import java.net.URI;
import java.util.List;
import java.util.stream.Collectors;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/** Publishes one JSON event to some users, the way the target under test takes it. */
interface Publisher extends AutoCloseable {

    void publish(List<String> users, String json) throws Exception;

    @Override
    default void close() {
    }

    /** The hub's {@code POST /hub/publish} with its bearer token: one call for all the users. */
    static Publisher hubHttp(URI base, String token) {
        HttpPool pool = new HttpPool(base, 32);
        String authorization = "Authorization: Bearer " + token + "\r\n";
        return new Publisher() {
            @Override
            public void publish(List<String> users, String json) throws Exception {
                String body = "{\"users\":" + users.stream().map(u -> "\"" + u + "\"")
                    .collect(Collectors.joining(",", "[", "]")) + ",\"event\":\"crud.update\",\"data\":" + json + "}";
                HttpPool.Response response = pool.post("/hub/publish", authorization, body);
                if (response.status() != 202) {
                    throw new IllegalStateException("POST /hub/publish answered " + response.status() + ": "
                            + response.body());
                }
            }

            @Override
            public void close() {
                pool.close();
            }
        };
    }

    /** Straight into Redis with the wire format: one {@code FCALL hub_publish} for up to 250 users' keys. */
    static Publisher hubRedis(String redisUrl, String prefix) {
        return onRedis(redisUrl, (redis, users, json) -> {
            for (int from = 0; from < users.size(); from += 250) {
                String[] keys = users.subList(from, Math.min(users.size(), from + 250)).stream()
                    .map(user -> prefix + ":{" + user + "}:events")
                    .toArray(String[]::new);
                redis.fcall("hub_publish", ScriptOutputType.MULTI, keys, "crud.update", json);
            }
        });
    }

    /**
     * A plain {@code XADD} per user, for the naive peer: the stream entry the hub's wire format describes, without the
     * hub's publish id, expiry or shard message (the naive peer reads the stream itself).
     */
    static Publisher redisXadd(String redisUrl, String prefix) {
        return onRedis(redisUrl, (redis, users, json) -> users.forEach(user -> redis.xadd(
                prefix + ":{" + user + "}:events", XAddArgs.Builder.maxlen(1000).approximateTrimming(), "event",
                "crud.update", "data", json)));
    }

    /** Redis commands on one connection. */
    private static Publisher onRedis(String redisUrl, RedisCommand command) {
        RedisClient client = RedisClient.create(redisUrl);
        StatefulRedisConnection<String, String> connection = client.connect();
        return new Publisher() {
            @Override
            public void publish(List<String> users, String json) {
                command.send(connection.sync(), users, json);
            }

            @Override
            public void close() {
                connection.close();
                client.shutdown();
            }
        };
    }

    /** What appends one event to some users' streams. */
    interface RedisCommand {

        void send(RedisCommands<String, String> redis, List<String> users, String json);
    }

    /** Nchan's publisher location: {@code POST /pub/<channel>} per user. */
    static Publisher nchan(URI base) {
        HttpPool pool = new HttpPool(base, 32);
        return new Publisher() {
            @Override
            public void publish(List<String> users, String json) throws Exception {
                for (String user : users) {
                    HttpPool.Response response = pool.post("/pub/" + user, "", json);
                    if (response.status() >= 300) {
                        throw new IllegalStateException("Nchan publish answered " + response.status());
                    }
                }
            }

            @Override
            public void close() {
                pool.close();
            }
        };
    }
}
