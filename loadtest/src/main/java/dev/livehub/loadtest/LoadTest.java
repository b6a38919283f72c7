package dev.livehub.loadtest;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The load generator. Opens N SSE subscribers (plain sockets, virtual threads, spread over several loopback source
 * addresses when asked), publishes R events a second to them for a while, and measures with HdrHistogram: publish to
 * receive latency, delivered events a second, connection open time; counts lost, duplicated and out-of-order events
 * per subscriber; samples the server's memory and CPU and Redis's INFO. One progress line a second, one JSON document
 * at the end ({@code --out} writes it to a file too).
 */
// scope INHERIT: every subcommand takes --help and --version too.
@Command(name = "loadtest", mixinStandardHelpOptions = true, version = "loadtest 0.1.0",
        scope = picocli.CommandLine.ScopeType.INHERIT, subcommands = { LoadTest.Steady.class, Report.class,
        LoadTest.Idle.class, LoadTest.Fanout.class, LoadTest.Storm.class, LoadTest.Failover.class, NaiveServer.class, Helper.Hold.class },
        description = "Load generator for livehub and its peers (Nchan, the naive one-XREAD-per-connection server).")
public final class LoadTest {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new LoadTest())
            // A run that cannot start (a refused sign-in, a bad cookie file, a server that is not there) says why in
            // one line, never with a stack trace.
            .setExecutionExceptionHandler((ex, commandLine, parsed) -> {
                commandLine.getErr().println("loadtest: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
                return 2;
            });
    }

    /** What every scenario takes. */
    static final class Options {

        @Option(names = "--target", defaultValue = "hub", description = "hub, nchan or naive (the naive-server peer) "
                + "(default: ${DEFAULT-VALUE})")
        String target;

        @Option(names = "--url", defaultValue = "http://127.0.0.1:8090", description = "the server (default: ${DEFAULT-VALUE})")
        URI url;

        @Option(names = "--connections", defaultValue = "200", description = "SSE subscribers (default: ${DEFAULT-VALUE})")
        int connections;

        @Option(names = "--users", description = "distinct users (default: one per connection)")
        Integer users;

        @Option(names = "--duration", defaultValue = "10", description = "seconds of publishing (default: ${DEFAULT-VALUE})")
        int duration;

        @Option(names = "--warmup", defaultValue = "3", description = "seconds of publishing first, not measured: JIT, pools (default: ${DEFAULT-VALUE})")
        int warmup;

        @Option(names = "--publish", defaultValue = "http", description = "hub: http (POST /hub/publish), http-batch (POST /hub/publish/batch, what waits up to 5 ms in one request) or redis (FCALL hub_publish, one call for up to 250 users)")
        String publish;

        @Option(names = "--redis", description = "Redis URL: for --publish redis, and sampled with INFO")
        String redis;

        @Option(names = "--prefix", defaultValue = "hub", description = "the hub's key prefix")
        String prefix;

        @Option(names = "--token-secret", defaultValue = "${env:HUB_TOKEN_SECRET}", description = "hub.token.secret, to sign subscriber tokens")
        String tokenSecret;

        @Option(names = "--publish-token", defaultValue = "${env:HUB_PUBLISH_TOKEN}", description = "hub.publish.token")
        String publishToken;

        @Option(names = "--server-pid", split = ",", description = "the server's pids (nginx: its workers), to sample their memory and CPU")
        List<Long> serverPid;

        @Option(names = "--source-addresses", defaultValue = "1", description = "spread connections over 127.0.0.1..N (past the ephemeral port range)")
        int sourceAddresses;

        @Option(names = "--target-addresses", defaultValue = "1", description = "spread connections over the target on 127.0.0.1..N (a server listening on every address): past the ephemeral port range without bound ports")
        int targetAddresses;

        @Option(names = "--connect-rate", defaultValue = "2000", description = "connections opened per second")
        int connectRate;

        @Option(names = "--out", description = "also write the JSON result here")
        Path out;

        @Option(names = "--slow-log", description = "a diagnostic of the latency tail: write every event delivered "
                + "1 ms or more after its publish here, one a line: publish time (epoch µs), latency (µs)")
        Path slowLog;

        @Option(names = "--login", split = ",", paramLabel = "USER:PASSWORD", description = "sign these users in "
                + "through the app's /login form and subscribe with their sessions (connections spread over them)")
        List<String> login;

        @Option(names = "--login-url", description = "where --login signs in, when streams go elsewhere (e.g. sign in "
                + "through the proxy, stream from a node's stream port; default: --url)")
        URI loginUrl;

        @Option(names = "--cookie-file", description = "sessions to subscribe with, one per line: '<hub user id> "
                + "<Cookie header>'")
        Path cookieFile;

        @Option(names = "--label", description = "the target's name in the results (default: the target, and for the "
                + "hub how it is published to)")
        String label;
    }

    @Command(name = "steady", description = "N connections, R events a second, one user per event.")
    static final class Steady implements Callable<Integer> {

        @Mixin
        Options options = new Options();

        @Option(names = "--rate", defaultValue = "100", description = "events a second (default: ${DEFAULT-VALUE})")
        int rate;

        @Override
        public Integer call() throws Exception {
            return new Run("steady", options, rate, 1).execute(System.out);
        }
    }

    @Command(name = "idle", description = "N connections and no events: how many a node holds, and its memory per connection.")
    static final class Idle implements Callable<Integer> {

        @Mixin
        Options options = new Options();

        @Option(names = "--processes", defaultValue = "1", description = "processes holding the connections: this one "
                + "and helpers (each process here holds at most ~19,900 sockets) (default: ${DEFAULT-VALUE})")
        int processes;

        @Override
        public Integer call() throws Exception {
            return new Run("idle", options, 0, 1).processes(processes).execute(System.out);
        }
    }

    @Command(name = "storm", description = "steady, then every client goes away, a backlog is published, and all come "
            + "back at once with Last-Event-ID: how long until all have caught up, nothing lost or twice.")
    static final class Storm implements Callable<Integer> {

        @Mixin
        Options options = new Options();

        @Option(names = "--rate", defaultValue = "500", description = "events a second (default: ${DEFAULT-VALUE})")
        int rate;

        @Option(names = "--backlog", defaultValue = "5", description = "events per user while away (default: ${DEFAULT-VALUE})")
        int backlog;

        @Option(names = "--records", defaultValue = "0", description = "every event is a crud.update of one of this "
                + "many records per user ({\"model\",\"id\",\"fields\"}) (default: ${DEFAULT-VALUE}, plain events)")
        int records;

        @Option(names = "--compact", description = "hub: clients ask for catch-up compaction (?compact=1) and are owed "
                + "the latest state of every record instead of every event; needs --records")
        boolean compact;

        @Option(names = "--backlog-rate", description = "events a second while the clients are away (default: --rate)")
        Integer backlogRate;

        @Override
        public Integer call() throws Exception {
            if (compact && (records <= 0 || !options.target.equals("hub"))) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--compact needs --records (what to fold) and a hub target: catch-up compaction is the hub's");
            }
            return new Run("storm", options, rate, 1)
                .storm(backlog, records, compact, backlogRate == null ? rate : backlogRate)
                .execute(System.out);
        }
    }

    @Command(name = "failover", description = "steady through a load balancer, and one node killed mid-run: its clients "
            + "reconnect to the others with Last-Event-ID; nothing may be lost or come twice.")
    static final class Failover implements Callable<Integer> {

        @Mixin
        Options options = new Options();

        @Option(names = "--rate", defaultValue = "500", description = "events a second (default: ${DEFAULT-VALUE})")
        int rate;

        @Option(names = "--kill-pid", required = true, description = "the node to kill (SIGKILL)")
        long killPid;

        @Option(names = "--kill-at", defaultValue = "5", description = "seconds into the measured phase (default: ${DEFAULT-VALUE})")
        int killAt;

        @Option(names = "--reconnect-ms", defaultValue = "1000", description = "a dropped client comes back after this "
                + "plus up to as much jitter, as EventSource does after its retry: (default: ${DEFAULT-VALUE})")
        long reconnectMillis;

        @Override
        public Integer call() throws Exception {
            if (killAt >= options.duration) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--kill-at must be within --duration (" + options.duration + " s)");
            }
            return new Run("failover", options, rate, 1).failover(killPid, killAt, reconnectMillis)
                .execute(System.out);
        }
    }

    @Command(name = "fanout", description = "each event to many users at once.")
    static final class Fanout implements Callable<Integer> {

        @Mixin
        Options options = new Options();

        @Option(names = "--rate", defaultValue = "10", description = "events a second (default: ${DEFAULT-VALUE})")
        int rate;

        @Option(names = "--fanout", defaultValue = "1000", description = "users per event (default: ${DEFAULT-VALUE})")
        int fanout;

        @Override
        public Integer call() throws Exception {
            // A stream the server drops comes back as EventSource's would; its resume is counted, not a loss.
            return new Run("fanout", options, rate, fanout).reconnectAsEventSource().execute(System.out);
        }
    }
}
