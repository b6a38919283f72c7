package dev.livehub.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;

/** Publishes one JSON event to some users, the way the target under test takes it. */
interface Publisher extends AutoCloseable {

    void publish(List<String> users, String json) throws Exception;

    @Override
    default void close() {
    }

    /** The hub's {@code POST /hub/publish} with its bearer token: one call for all the users. */
    static Publisher hubHttp(URI base, String token) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI endpoint = base.resolve("/hub/publish");
        return (users, json) -> {
            String body = "{\"users\":" + users.stream().map(u -> "\"" + u + "\"")
                .collect(Collectors.joining(",", "[", "]")) + ",\"event\":\"crud.update\",\"data\":" + json + "}";
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 202) {
                throw new IllegalStateException("POST /hub/publish answered " + response.statusCode() + ": "
                        + response.body());
            }
        };
    }

    /** Straight into Redis with the wire format: {@code FCALL hub_publish} per user. */
    static Publisher hubRedis(String redisUrl, String prefix) {
        RedisClient client = RedisClient.create(redisUrl);
        StatefulRedisConnection<String, String> connection = client.connect();
        return new Publisher() {
            @Override
            public void publish(List<String> users, String json) {
                for (String user : users) {
                    connection.sync().fcall("hub_publish", ScriptOutputType.VALUE,
                            new String[] { prefix + ":{" + user + "}:events" }, "crud.update", json);
                }
            }

            @Override
            public void close() {
                connection.close();
                client.shutdown();
            }
        };
    }

    /** Nchan's publisher location: {@code POST /pub/<channel>} per user. */
    static Publisher nchan(URI base) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return (users, json) -> {
            for (String user : users) {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(base.resolve("/pub/" + user))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json))
                    .build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() >= 300) {
                    throw new IllegalStateException("Nchan publish answered " + response.statusCode());
                }
            }
        };
    }
}
