package dev.livehub.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;

/**
 * Samples the server process (resident memory and CPU time from {@code /proc}) and Redis ({@code INFO}) during a run.
 */
final class Sampler implements AutoCloseable {

    private static final long CLOCK_TICKS = 100;

    private final List<Long> pids;

    private final RedisClient redis;

    private final StatefulRedisConnection<String, String> connection;

    private long lastCpuTicks = -1;

    private long lastNanos;

    Sampler(List<Long> pids, String redisUrl) {
        this.pids = pids == null ? List.of() : pids;
        this.redis = redisUrl == null ? null : RedisClient.create(redisUrl);
        this.connection = redis == null ? null : redis.connect();
    }

    /** Resident set size of the server's processes (nginx: its workers) in bytes, or -1. */
    long rssBytes() {
        if (pids.isEmpty()) {
            return -1;
        }
        long total = 0;
        for (Long pid : pids) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", pid.toString(), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        total += Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                    }
                }
            }
            catch (IOException ex) {
                return -1;
            }
        }
        return total;
    }

    /** The server's CPU use since the last call, in percent of one core, or -1. */
    double cpuPercent() {
        if (pids.isEmpty()) {
            return -1;
        }
        try {
            long ticks = 0;
            for (Long pid : pids) {
                String stat = Files.readString(Path.of("/proc", pid.toString(), "stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            }
            long now = System.nanoTime();
            double percent = lastCpuTicks < 0 ? -1
                    : (ticks - lastCpuTicks) * 100.0 / CLOCK_TICKS / ((now - lastNanos) / 1e9);
            lastCpuTicks = ticks;
            lastNanos = now;
            return percent;
        }
        catch (IOException ex) {
            return -1;
        }
    }

    /** A few fields of Redis's INFO, or an empty map without Redis. */
    Map<String, Object> redisInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        if (connection == null) {
            return info;
        }
        for (String line : connection.sync().info().split("\r?\n")) {
            String[] pair = line.split(":", 2);
            if (pair.length == 2 && (pair[0].equals("used_memory") || pair[0].equals("connected_clients")
                    || pair[0].equals("pubsubshard_channels") || pair[0].equals("instantaneous_ops_per_sec"))) {
                info.put(pair[0], Long.parseLong(pair[1].strip()));
            }
        }
        return info;
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close();
            redis.shutdown();
        }
    }
}
