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

    /** Straight into Redis with the wire format: {@code FCALL hub_publish} per user. */
    static Publisher hubRedis(String redisUrl, String prefix) {
        return perUser(redisUrl, (redis, user, json) -> redis.fcall("hub_publish", ScriptOutputType.VALUE,
                new String[] { prefix + ":{" + user + "}:events" }, "crud.update", json));
    }

    /**
     * A plain {@code XADD} per user, for the naive peer: the stream entry the hub's wire format describes, without the
     * hub's publish id, expiry or shard message (the naive peer reads the stream itself).
     */
    static Publisher redisXadd(String redisUrl, String prefix) {
        return perUser(redisUrl, (redis, user, json) -> redis.xadd(prefix + ":{" + user + "}:events",
                XAddArgs.Builder.maxlen(1000).approximateTrimming(), "event", "crud.update", "data", json));
    }

    /** One Redis command per user, on one connection. */
    private static Publisher perUser(String redisUrl, PerUser command) {
        RedisClient client = RedisClient.create(redisUrl);
        StatefulRedisConnection<String, String> connection = client.connect();
        return new Publisher() {
            @Override
            public void publish(List<String> users, String json) {
                for (String user : users) {
                    command.send(connection.sync(), user, json);
                }
            }

            @Override
            public void close() {
                connection.close();
                client.shutdown();
            }
        };
    }

    /** A command that appends one event to one user's stream. */
    interface PerUser {

        void send(RedisCommands<String, String> redis, String user, String json);
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
