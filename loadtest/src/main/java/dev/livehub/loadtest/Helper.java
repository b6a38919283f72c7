package dev.livehub.loadtest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A helper process that holds a share of a run's connections (this machine caps every process at 20,000 open files):
 * started by {@link Run} as {@code loadtest.jar hold}, it opens its subscribers, prints {@code held <connected>
 * <failed>}, and holds them until its standard input closes. Its connections are the run's, index for index
 * ({@link Connections}): the same token users, or the same sessions, which the run hands over in a cookie file.
 */
final class Helper implements AutoCloseable {

    /** What a helper reports once its connections are open (or failed). */
    record Held(long connected, long failed) {
    }

    private final Process process;

    private final BufferedReader output;

    private Helper(Process process) {
        this.process = process;
        this.output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /**
     * Starts a helper for connections {@code first .. first + count - 1} of a run over {@code users} token users, or
     * over the sessions in {@code sessions} (a file in {@code --cookie-file}'s format; {@code null}: tokens).
     */
    static Helper start(LoadTest.Options options, int first, int count, int users, int processes, Path sessions)
            throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        // This process's own class path: loadtest.jar, or the test run's.
        List<String> command = new ArrayList<>(List.of(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                LoadTest.class.getName(), "hold", "--target", options.target, "--url", options.url.toString(),
                "--first", Integer.toString(first), "--connections", Integer.toString(count), "--users",
                Integer.toString(users), "--source-addresses", Integer.toString(options.sourceAddresses),
                "--target-addresses", Integer.toString(options.targetAddresses),
                "--connect-rate", Integer.toString(Math.max(1, options.connectRate / processes))));
        if (options.tokenSecret != null) {
            command.addAll(List.of("--token-secret", options.tokenSecret));
        }
        if (sessions != null) {
            command.addAll(List.of("--cookie-file", sessions.toString()));
        }
        return new Helper(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }

    /** Waits for the helper's {@code held} line. */
    Held awaitHeld(Duration timeout) throws IOException {
        CompletableFuture<Held> held = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = output.readLine(); line != null; line = output.readLine()) {
                    if (line.startsWith("held ")) {
                        String[] parts = line.split(" ");
                        return new Held(Long.parseLong(parts[1]), Long.parseLong(parts[2]));
                    }
                }
                return null;
            }
            catch (IOException ex) {
                return null;
            }
        });
        try {
            Held result = held.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (result == null) {
                throw new IOException("a helper process ended before holding its connections (exit "
                        + process.waitFor() + ")");
            }
            return result;
        }
        catch (Exception ex) {
            if (ex instanceof IOException io) {
                throw io;
            }
            throw new IOException("a helper process did not report within " + timeout.toSeconds() + " s", ex);
        }
    }

    /** Lets the helper close its connections and end. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        catch (IOException | InterruptedException ex) {
            process.destroyForcibly();
        }
    }

    @Command(name = "hold", hidden = true, description = "A helper: holds a share of a run's connections until stdin closes.")
    static final class Hold implements Callable<Integer> {

        @Mixin
        LoadTest.Options options = new LoadTest.Options();

        @Option(names = "--first", defaultValue = "0", description = "index of the first connection")
        int first;

        @Override
        public Integer call() throws Exception {
            Stats stats = new Stats();
            int users = options.users == null ? options.connections : options.users;
            List<Sessions.Session> sessions = options.cookieFile == null ? List.of()
                    : Sessions.fromFile(options.cookieFile);
            // Connection i is who it would be in the run's own process: its index, not its place in this share.
            Connections connections = new Connections(options, sessions, users, false);
            List<Subscriber> subscribers = new ArrayList<>();
            long started = System.nanoTime();
            for (int i = first; i < first + options.connections; i++) {
                Subscriber subscriber = connections.subscriber(i, stats, -1);
                subscribers.add(subscriber);
                Thread.ofVirtual().start(subscriber::run);
                Run.pace(started, i - first + 1, options.connectRate);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (stats.connected.sum() + stats.failedConnects.sum() < options.connections
                    && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            System.out.println("held " + stats.connected.sum() + " " + stats.failedConnects.sum());
            System.out.flush();
            // Until the run is over: it closes our standard input.
            while (System.in.read() >= 0) {
                // nothing to read; EOF ends the hold
            }
            subscribers.forEach(Subscriber::close);
            return 0;
        }
    }
}
