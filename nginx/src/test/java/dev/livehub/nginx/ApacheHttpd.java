package dev.livehub.nginx;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Apache httpd (Debian's {@code apache2}) running the shipped {@code nginx/apache.conf}, with this cluster's
 * nodes as its balancer members (their own ports for pages, their stream ports for streams), its port, and the stream
 * timeout a test wants instead of 3600 s. The rest of the server configuration is only what a Debian install has: the
 * modules the file names, a pid file, a log.
 */
final class ApacheHttpd implements AutoCloseable {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static final String MODULES = "/usr/lib/apache2/modules";

    /** A shipped member: node n's own port is 808n, its stream port 809n. */
    private static final Pattern MEMBER = Pattern.compile("http://127\\.0\\.0\\.1:80([89])([1-9])");

    private final Path dir;

    private final int port;

    private final Process process;

    ApacheHttpd(Path dir, int port, List<Integer> nodePorts, List<Integer> streamPorts, int streamTimeoutSeconds)
            throws Exception {
        this.dir = dir;
        this.port = port;
        Files.createDirectories(dir);
        String site = Files.readString(ROOT.resolve("nginx/apache.conf"))
            .replace("<VirtualHost *:8080>", "<VirtualHost *:" + port + ">")
            .replace("timeout=3600", "timeout=" + streamTimeoutSeconds);
        // The shipped members are nodes on 8081, 8082, ... (stream ports 8091, 8092, ...): node n becomes this
        // cluster's node n, the rest go.
        StringBuilder lines = new StringBuilder();
        for (String line : site.split("\n", -1)) {
            Matcher member = MEMBER.matcher(line);
            if (member.find()) {
                List<Integer> ports = member.group(1).equals("8") ? nodePorts : streamPorts;
                int n = Integer.parseInt(member.group(2));
                if (n > ports.size()) {
                    continue;
                }
                line = member.replaceFirst("http://127.0.0.1:" + ports.get(n - 1));
            }
            lines.append(line).append('\n');
        }
        Files.writeString(dir.resolve("livehub.conf"), lines);
        StringBuilder server = new StringBuilder();
        for (String module : List.of("mpm_event", "authz_core", "proxy", "proxy_http", "proxy_balancer",
                "lbmethod_byrequests", "slotmem_shm", "headers", "env")) {
            server.append("LoadModule ").append(module).append("_module ").append(MODULES).append("/mod_")
                .append(module).append(".so\n");
        }
        if ("root".equals(System.getProperty("user.name"))) {
            // As root, Apache runs its children as this user; without one, as uid -1.
            server.append("User nobody\nGroup nogroup\n");
        }
        server.append("ServerName localhost\n")
            .append("Listen 127.0.0.1:").append(port).append('\n')
            .append("PidFile ").append(dir.resolve("httpd.pid")).append('\n')
            .append("DefaultRuntimeDir ").append(dir).append('\n')
            .append("ErrorLog ").append(dir.resolve("error.log")).append('\n')
            .append("LogLevel warn\n")
            .append("Include ").append(dir.resolve("livehub.conf")).append('\n');
        Files.writeString(dir.resolve("httpd.conf"), server);
        process = new ProcessBuilder(binary(), "-d", dir.toString(), "-f", dir.resolve("httpd.conf").toString(),
                "-DFOREGROUND").redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        awaitUp();
    }

    private static String binary() {
        for (String candidate : List.of("/usr/sbin/apache2", "/usr/sbin/httpd")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("Apache httpd is missing: apt-get install apache2 (.ci/run does)");
    }

    private void awaitUp() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("apache2 exited: " + log());
            }
            try {
                HttpResponse<Void> health = http.send(HttpRequest.newBuilder(URI.create(url() + "/actuator/health"))
                    .build(), HttpResponse.BodyHandlers.discarding());
                if (health.statusCode() == 200) {
                    return;
                }
            }
            catch (IOException ex) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("apache2 did not answer within 30 s: " + log());
    }

    String url() {
        return "http://localhost:" + port;
    }

    String log() throws IOException {
        Path error = dir.resolve("error.log");
        return Files.readString(dir.resolve("stdout.log")) + (Files.exists(error) ? Files.readString(error) : "");
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
