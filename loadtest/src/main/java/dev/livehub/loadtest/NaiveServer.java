package dev.livehub.loadtest;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The naive peer: the hub's endpoint as one would first write it, one blocking {@code XREAD} per connection. Every
 * stream holds a Redis connection of its own and a (virtual) thread parked in {@code XREAD BLOCK} on the user's stream;
 * it reads the same per-user streams (publish with {@code --publish xadd}) and speaks the same SSE (ids, resume from
 * {@code Last-Event-ID}, {@code ready} for a client without one, HS256 subscriber tokens). What it lacks is what the
 * hub's design buys: Redis connections grow with the streams (up to Redis's {@code maxclients}), and every event costs
 * a round trip per connection instead of one shard message per node.
 */
@Command(name = "naive-server", description = "The naive peer: SSE with one blocking XREAD per connection, until killed.")
final class NaiveServer implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "8091", description = "HTTP port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--redis", defaultValue = "redis://127.0.0.1:6379", description = "Redis URL (default: ${DEFAULT-VALUE})")
    String redis;

    @Option(names = "--prefix", defaultValue = "hub", description = "stream keys are <prefix>:{<user>}:events")
    String prefix;

    @Option(names = "--token-secret", required = true, defaultValue = "${env:HUB_TOKEN_SECRET}",
            description = "HS256 secret of subscriber tokens (?token=)")
    String tokenSecret;

    private final AtomicInteger open = new AtomicInteger();

    private RedisClient client;

    private MACVerifier verifier;

    @Override
    public Integer call() throws Exception {
        start();
        System.out.printf("naive-server: listening on 127.0.0.1:%d, Redis %s%n", port, redis);
        new CountDownLatch(1).await();
        return 0;
    }

    /** Starts serving on {@link #port} (0: any free port); stop the returned server and then {@link #close()}. */
    HttpServer start() throws IOException, JOSEException {
        verifier = new MACVerifier(tokenSecret.getBytes(StandardCharsets.UTF_8));
        client = RedisClient.create(redis);
        // A connection parked in XREAD BLOCK answers late by design: no command timeout on it.
        client.setOptions(ClientOptions.builder().timeoutOptions(
                io.lettuce.core.TimeoutOptions.builder().timeoutCommands(false).build()).build());
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 4096);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/health", exchange -> answer(exchange, 200, "{\"status\":\"UP\",\"streams\":" + open.get() + "}"));
        server.createContext("/stream/app", this::stream);
        server.start();
        port = server.getAddress().getPort();
        return server;
    }

    void close() {
        client.shutdown();
    }

    private void stream(HttpExchange exchange) throws IOException {
        String user;
        try {
            user = userOf(exchange);
        }
        catch (IllegalArgumentException ex) {
            answer(exchange, 401, "{\"error\":\"bad_token\",\"message\":\"" + ex.getMessage() + "\"}");
            return;
        }
        String key = prefix + ":{" + user + "}:events";
        String cursor = exchange.getRequestHeaders().getFirst("Last-Event-ID");
        open.incrementAndGet();
        try (StatefulRedisConnection<String, String> redisConnection = client.connect()) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write("retry: 5000\n: connected\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            var redisCommands = redisConnection.sync();
            if (cursor == null || cursor.isBlank()) {
                List<StreamMessage<String, String>> last = redisCommands.xrevrange(key,
                        io.lettuce.core.Range.create("-", "+"), io.lettuce.core.Limit.from(1));
                cursor = last.isEmpty() ? "0-0" : last.getFirst().getId();
                out.write(("id: " + cursor + "\nevent: ready\ndata: {\"last_id\":\"" + cursor + "\"}\n\n")
                    .getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            while (true) {
                List<StreamMessage<String, String>> messages = redisCommands.xread(
                        XReadArgs.Builder.block(Duration.ofSeconds(15)).count(64),
                        XReadArgs.StreamOffset.from(key, cursor));
                StringBuilder frames = new StringBuilder();
                for (StreamMessage<String, String> message : messages) {
                    cursor = message.getId();
                    frames.append("id: ").append(cursor).append("\nevent: ").append(message.getBody().get("event"))
                        .append("\ndata: ").append(message.getBody().get("data")).append("\n\n");
                }
                out.write((frames.isEmpty() ? ": ping\n\n" : frames.toString()).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
        catch (IOException | RuntimeException ex) {
            // The client went away (or Redis did): the stream ends, the browser reconnects with its last id.
        }
        finally {
            open.decrementAndGet();
            exchange.close();
        }
    }

    private String userOf(HttpExchange exchange) {
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("token=")) {
                    return verify(URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8));
                }
            }
        }
        throw new IllegalArgumentException("send a subscriber token as ?token=");
    }

    private String verify(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            Date expiry = jwt.getJWTClaimsSet().getExpirationTime();
            if (!jwt.verify(verifier) || expiry == null || expiry.before(new Date())
                    || jwt.getJWTClaimsSet().getSubject() == null) {
                throw new IllegalArgumentException("the token is forged, expired or has no subject");
            }
            return jwt.getJWTClaimsSet().getSubject();
        }
        catch (ParseException | JOSEException ex) {
            throw new IllegalArgumentException("the token is malformed");
        }
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
