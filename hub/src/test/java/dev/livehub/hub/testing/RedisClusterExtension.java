package dev.livehub.hub.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Redis Cluster for one test class: three masters with a replica each, six {@code redis-server} processes on
 * free ports joined by {@code redis-cli --cluster create}. Nodes can be killed to force a failover.
 */
public final class RedisClusterExtension implements BeforeAllCallback, AfterAllCallback {

    private final List<Integer> ports = new ArrayList<>();

    private final List<Process> processes = new ArrayList<>();

    private Path dir;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("redis-cluster-");
        for (int i = 0; i < 6; i++) {
            int port = RedisServerExtension.freePort();
            Path nodeDir = Files.createDirectories(dir.resolve(Integer.toString(port)));
            processes.add(new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    // A failed master is replaced by its replica within a couple of seconds.
                    "--cluster-node-timeout", "1500", "--save", "", "--appendonly", "no",
                    "--dir", nodeDir.toString(), "--logfile", "redis.log")
                .redirectErrorStream(true).redirectOutput(nodeDir.resolve("stdout.log").toFile()).start());
            ports.add(port);
        }
        for (int port : ports) {
            awaitReply(port, "PING", "PONG");
        }
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        ports.forEach(port -> create.add("127.0.0.1:" + port));
        create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
        Process process = new ProcessBuilder(create).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("redis-cli --cluster create failed:\n" + output);
        }
        for (int port : ports) {
            awaitReply(port, "CLUSTER INFO", "cluster_state:ok");
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        processes.forEach(Process::destroyForcibly);
    }

    /** A live node to start from, as {@code spring.data.redis.cluster.nodes} would list it (a test may kill some). */
    public String seed() {
        return "127.0.0.1:" + aliveNode();
    }

    public List<Integer> ports() {
        return List.copyOf(ports);
    }

    /** The port of the master that serves a key now. */
    public int masterOf(String key) throws IOException, InterruptedException {
        String slot = cli(ports.getFirst(), "CLUSTER", "KEYSLOT", key).strip();
        for (String line : cli(aliveNode(), "CLUSTER", "NODES").lines().toList()) {
            String[] fields = line.split(" ");
            if (!fields[2].contains("master") || fields[2].contains("fail")) {
                continue;
            }
            for (int i = 8; i < fields.length; i++) {
                String[] range = fields[i].split("-");
                int from = Integer.parseInt(range[0]);
                int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                int keySlot = Integer.parseInt(slot);
                if (keySlot >= from && keySlot <= to) {
                    return Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1, fields[1].indexOf('@')));
                }
            }
        }
        throw new IllegalStateException("no master serves " + key);
    }

    /** Waits until the replica of a master has acknowledged its whole replication stream. */
    public void awaitReplicated(int master) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            String info = cli(master, "INFO", "replication");
            java.util.regex.Matcher offset = java.util.regex.Pattern.compile("master_repl_offset:(\\d+)")
                .matcher(info);
            java.util.regex.Matcher replica = java.util.regex.Pattern.compile("slave0:.*offset=(\\d+)")
                .matcher(info);
            if (offset.find() && replica.find() && Long.parseLong(replica.group(1)) >= Long.parseLong(offset.group(1))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the replica of " + master + " did not catch up within 10 s");
    }

    /** Kills a node with SIGKILL, as a crash would. */
    public void kill(int port) {
        processes.get(ports.indexOf(port)).destroyForcibly();
    }

    /** Waits until every live node says the cluster is ok and {@code port} is no longer a master. */
    public void awaitFailoverFrom(int port) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            boolean ok = true;
            for (int other : ports) {
                if (other == port || !alive(other)) {
                    continue;
                }
                String info = cli(other, "CLUSTER", "INFO");
                String nodes = cli(other, "CLUSTER", "NODES");
                boolean stillMaster = nodes.lines().anyMatch(line -> line.contains(":" + port + "@")
                        && line.contains("master") && !line.contains("fail"));
                ok &= info.contains("cluster_state:ok") && !stillMaster;
            }
            if (ok) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("no failover from " + port + " within 30 s");
    }

    private int aliveNode() {
        return ports.stream().filter(RedisClusterExtension::alive).findFirst().orElseThrow();
    }

    private static boolean alive(int port) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            return true;
        }
        catch (IOException ex) {
            return false;
        }
    }

    private static String cli(int port, String... command) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(port)));
        args.addAll(List.of(command));
        Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(10, TimeUnit.SECONDS);
        return output;
    }

    private static void awaitReply(int port, String command, String expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (alive(port) && cli(port, command.split(" ")).contains(expected)) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("redis at " + port + " did not answer " + command + " with " + expected);
    }
}
