package dev.livehub.nginx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The local cluster of {@code nginx/cluster}, driven as an operator would: up, kill, stop, start, down. Its state
 * (ports) is read from the script's {@code cluster.env}.
 */
final class Cluster implements AutoCloseable {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private final Path dir;

    private final Map<String, String> environment;

    private Map<String, String> state = Map.of();

    private final Map<String, String> requested = new LinkedHashMap<>();

    private String upOutput = "";

    /**
     * A free port below the kernel's ephemeral range (32768 and up): a port picked by binding port 0 may meanwhile
     * become the local port of an outgoing connection, and nginx then fails to bind it.
     */
    static int freeListenPort() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 20000 + random.nextInt(12000);
            try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
                socket.bind(new java.net.InetSocketAddress("0.0.0.0", port));
                return port;
            }
            catch (java.io.IOException ex) {
                // taken: try another
            }
        }
        throw new IllegalStateException("no free port between 20000 and 32000");
    }

    /**
     * What every proxy test's nodes run with: the publish token of {@link ClusterTraffic}, a heartbeat every second
     * (so a proxy timeout of 3 s can be outlived quickly), room for many test streams per user, the test's database.
     * A mutable map: a test adds its own.
     */
    static Map<String, String> testEnvironment(String datasourceUrl) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HUB_PUBLISH_TOKEN", ClusterTraffic.PUBLISH_TOKEN);
        env.put("HUB_HEARTBEAT", "1s");
        env.put("HUB_MAX_CONNECTIONS_PER_USER", "200");
        // 50 streams per user come and go at once here (a test load, not one browser): no per-user connect limit.
        env.put("HUB_CONNECT_RATE_BURST", "10000");
        env.put("SPRING_DATASOURCE_URL", datasourceUrl);
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return env;
    }

    Cluster(Path dir, Map<String, String> environment) {
        this.dir = dir;
        this.environment = environment;
    }

    /** {@code up} with every port given: nginx's two, Redis's, and one per node. */
    void up(int nodes, int port) throws IOException, InterruptedException {
        requested.put("HTTP_PORT", Integer.toString(port));
        requested.put("HTTPS_PORT", Integer.toString(freeListenPort()));
        requested.put("REDIS_PORT", Integer.toString(freeListenPort()));
        java.util.List<String> nodePorts = new java.util.ArrayList<>();
        for (int n = 1; n <= nodes; n++) {
            String nodePort = Integer.toString(freeListenPort());
            requested.put("NODE" + n + "_PORT", nodePort);
            nodePorts.add(nodePort);
        }
        upOutput = run("up", "--nodes", Integer.toString(nodes), "--port", Integer.toString(port), "--https-port",
                requested.get("HTTPS_PORT"), "--redis-port", requested.get("REDIS_PORT"), "--node-ports",
                String.join(",", nodePorts));
        state = new LinkedHashMap<>();
        for (String line : Files.readAllLines(dir.resolve("cluster.env"))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                state.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
    }

    /** The ports {@link #up} asked for, as {@code cluster.env} names them. */
    Map<String, String> requestedPorts() {
        return requested;
    }

    /** What the cluster says its state is ({@code cluster.env}). */
    Map<String, String> state() {
        return state;
    }

    String upOutput() {
        return upOutput;
    }

    Path log(int node) {
        return dir.resolve("logs").resolve("node" + node + ".log");
    }

    String url() {
        return "http://localhost:" + state.get("HTTP_PORT");
    }

    String httpsUrl() {
        return "https://localhost:" + state.get("HTTPS_PORT");
    }

    int redisPort() {
        return Integer.parseInt(state.get("REDIS_PORT"));
    }

    /** The port node {@code n} (1-based) listens on, behind the proxy. */
    int nodePort(int n) {
        return Integer.parseInt(state.get("NODE" + n + "_PORT"));
    }

    /** The stream port ({@code hub.stream-port}, Netty) of node {@code n} (1-based), behind the proxy. */
    int streamPort(int n) {
        return Integer.parseInt(state.get("NODE" + n + "_STREAM_PORT"));
    }

    String run(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = ROOT.resolve("nginx/cluster").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = new HashMap<>(environment);
        env.put("CLUSTER_DIR", dir.toString());
        builder.environment().putAll(env);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(180, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("nginx/cluster " + String.join(" ", args) + " failed:\n" + output);
        }
        System.out.println(output);
        return output;
    }

    @Override
    public void close() throws Exception {
        if (Files.exists(dir.resolve("cluster.env"))) {
            run("down");
        }
    }
}
