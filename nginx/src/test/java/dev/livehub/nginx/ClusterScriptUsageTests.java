package dev.livehub.nginx;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code nginx/cluster}'s answers to help and bad options, which come before it starts anything: {@code --help}
 * prints the usage and succeeds, an unknown option is named as unknown (not as an option missing its value), and
 * ports past 65535 are refused, and a busy port is refused before Redis or any node starts.
 */
class ClusterScriptUsageTests {

    private static final Path SCRIPT = Path.of("..").toAbsolutePath().normalize().resolve("nginx/cluster");

    @Test
    void helpPrintsTheUsageAndSucceeds() throws Exception {
        for (List<String> help : List.of(List.of("--help"), List.of("up", "--help"), List.of("up", "-h"))) {
            Result result = run(help);
            assertThat(result.code()).as("cluster %s", help).isZero();
            assertThat(result.output()).as("cluster %s", help).contains("nginx/cluster up [--nodes N] [PORTS]");
        }
    }

    @Test
    void badOptionsAreNamedPrecisely() throws Exception {
        Result unknown = run(List.of("up", "--bogus"));
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.output()).startsWith("cluster: unknown option --bogus");
        Result missing = run(List.of("up", "--nodes"));
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.output()).startsWith("cluster: --nodes needs a value");
        Result tooHigh = run(List.of("up", "--nodes", "3", "--base-port", "65534"));
        assertThat(tooHigh.code()).isEqualTo(1);
        assertThat(tooHigh.output()).startsWith("cluster: --base-port 65534 leaves no room for 3 nodes");
        Result streams = run(List.of("up", "--nodes", "3", "--stream-ports", "9001,9002"));
        assertThat(streams.code()).isEqualTo(1);
        assertThat(streams.output()).startsWith("cluster: --stream-ports lists 2 ports for 3 nodes");
        Result notAPort = run(List.of("up", "--nodes", "1", "--stream-ports", "70000"));
        assertThat(notAPort.code()).isEqualTo(1);
        assertThat(notAPort.output()).startsWith("cluster: --stream-ports takes a port number (1..65535), got '70000'");
        Result twice = run(List.of("up", "--nodes", "2", "--node-ports", "9001,9002", "--stream-ports", "9003,9001"));
        assertThat(twice.code()).isEqualTo(1);
        assertThat(twice.output()).startsWith("cluster: port 9001 is given twice, nothing started");
    }

    @Test
    void aBusyPortIsRefusedBeforeAnythingStarts(@TempDir Path clusterDir) throws Exception {
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int busy = held.getLocalPort();
            Result result = run(List.of("up", "--nodes", "3", "--port", String.valueOf(busy)), clusterDir);
            assertThat(result.code()).isEqualTo(1);
            assertThat(result.output()).startsWith("cluster: port in use, nothing started: " + busy + " (--port)");
            Result stream = run(List.of("up", "--nodes", "1", "--stream-ports", String.valueOf(busy)), clusterDir);
            assertThat(stream.code()).isEqualTo(1);
            assertThat(stream.output()).contains("port in use, nothing started: ").contains(busy + " (stream port)");
            // Nothing started: no Redis, no node, no cluster left for 'down' to find.
            assertThat(clusterDir.resolve("run")).doesNotExist();
            assertThat(clusterDir.resolve("cluster.env")).doesNotExist();
        }
    }

    /**
     * {@code start N} from a shell without JAVA_HOME or HUB_PUBLISH_TOKEN runs the node with the JDK and the HUB_*
     * variables {@code up} used (cluster.env, hub.env); a fake java records what it was given.
     */
    @Test
    void startRunsTheNodeWithTheJdkAndHubVariablesThatUpUsed(@TempDir Path clusterDir) throws Exception {
        Path java = clusterDir.resolve("fake-java");
        Path seen = clusterDir.resolve("seen");
        Files.writeString(java, "#!/bin/sh\necho \"token=$HUB_PUBLISH_TOKEN\" > " + seen + "\nexit 1\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(clusterDir.resolve("run"));
        Files.writeString(clusterDir.resolve("cluster.env"), "NODES=1\nHTTP_PORT=1\nHTTPS_PORT=2\nREDIS_PORT=3\n"
                + "PG_DATABASE=x\nJAVA_CMD=" + java + "\nNODE1_PORT=4\nNODE1_STREAM_PORT=5\n");
        // As 'up' writes it: set only when the caller has not set it.
        Files.writeString(clusterDir.resolve("hub.env"),
                "[ -n \"${HUB_PUBLISH_TOKEN+set}\" ] || export HUB_PUBLISH_TOKEN=kept\\ token\n");
        Result result = run(List.of("start", "1"), clusterDir);
        assertThat(result.output()).contains("node 1 exited before answering");
        assertThat(Files.readString(seen)).isEqualTo("token=kept token\n");
    }

    /** {@code status} straight after {@code kill N} says the node is down (a stand-in node: a static web server). */
    @Test
    void statusRightAfterKillSaysDown(@TempDir Path clusterDir) throws Exception {
        Path www = Files.createDirectories(clusterDir.resolve("www/actuator"));
        Files.writeString(www.resolve("health"), "{\"status\":\"UP\"}");
        Path java = clusterDir.resolve("fake-java");
        Files.writeString(java, "#!/bin/sh\ncd " + clusterDir.resolve("www")
                + " && exec python3 -m http.server --bind 127.0.0.1 \"$SERVER_PORT\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(clusterDir.resolve("run"));
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Files.writeString(clusterDir.resolve("cluster.env"), "NODES=1\nHTTP_PORT=1\nHTTPS_PORT=2\nREDIS_PORT=3\n"
                + "PG_DATABASE=x\nJAVA_CMD=" + java + "\nNODE1_PORT=" + port + "\nNODE1_STREAM_PORT=5\n");
        Path pid = clusterDir.resolve("run/node1.pid");
        try {
            Result started = run(List.of("start", "1"), clusterDir);
            assertThat(started.code()).as(started.output()).isZero();
            assertThat(run(List.of("status"), clusterDir).output()).contains("node1  port " + port).contains(" up ");
            assertThat(run(List.of("kill", "1"), clusterDir).code()).isZero();
            assertThat(run(List.of("status"), clusterDir).output()).containsPattern("node1 .* down");
        }
        finally {
            if (Files.exists(pid)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /** {@code redis-stop} and {@code redis-start} stop the cluster's Redis and start it again (an outage drill). */
    @Test
    void redisStopsAndStartsAgain(@TempDir Path clusterDir) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Files.createDirectories(clusterDir.resolve("run"));
        Files.writeString(clusterDir.resolve("cluster.env"), "NODES=1\nHTTP_PORT=1\nHTTPS_PORT=2\nREDIS_PORT=" + port
                + "\nPG_DATABASE=x\nNODE1_PORT=4\nNODE1_STREAM_PORT=5\n");
        try {
            assertThat(run(List.of("redis-start"), clusterDir).output()).contains("Redis on port " + port);
            assertThat(run(List.of("status"), clusterDir).output()).containsPattern("redis  port " + port + "  up ");
            Result stopped = run(List.of("redis-stop"), clusterDir);
            assertThat(stopped.code()).as(stopped.output()).isZero();
            assertThat(run(List.of("status"), clusterDir).output()).contains("redis  port " + port + "  down");
            assertThat(run(List.of("redis-start"), clusterDir).code()).isZero();
            assertThat(run(List.of("status"), clusterDir).output()).containsPattern("redis  port " + port + "  up ");
        }
        finally {
            run(List.of("redis-stop"), clusterDir);
        }
    }

    private static Result run(List<String> arguments) throws IOException, InterruptedException {
        return run(arguments, null);
    }

    private static Result run(List<String> arguments, Path clusterDir) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (clusterDir != null) {
            builder.environment().put("CLUSTER_DIR", clusterDir.toString());
            builder.environment().remove("JAVA_HOME");
            builder.environment().remove("HUB_PUBLISH_TOKEN");
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("cluster %s ends", arguments).isTrue();
        return new Result(process.exitValue(), output);
    }

    private record Result(int code, String output) {
    }
}
