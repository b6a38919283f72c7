package dev.livehub.loadtest;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;

import tools.jackson.databind.json.JsonMapper;

/** One run of a scenario. */
final class Run {

    private final String scenario;

    private final LoadTest.Options options;

    private final int rate;

    private final int fanout;

    private final Stats stats = new Stats();

    private int backlog;

    /** Every event updates one of this many records per user ({@code crud.update}), or 0: plain events. */
    private int records;

    /** Subscribers ask for compaction: each is owed the latest state of every record, not every event. */
    private boolean compact;

    private int backlogRate;

    private long killPid;

    private int killAt;

    private long reconnectMillis = -1;

    /** Processes holding the connections (idle): this one and helpers ({@code hold}) for the rest. */
    private int processes = 1;

    /** The users subscribed and published to, in order: {@code lt<k>}, or the signed-in users' hub ids. */
    private List<String> userIds = List.of();

    private final Map<String, Integer> indexOf = new java.util.HashMap<>();

    Run(String scenario, LoadTest.Options options, int rate, int fanout) {
        this.scenario = scenario;
        this.options = options;
        this.rate = rate;
        this.fanout = Math.max(1, fanout);
    }

    /**
     * A storm follows the steady phase (see {@link #storm}); with {@code records} > 0 every event is a
     * {@code crud.update} of one of that many records per user, and with {@code compact} subscribers ask for
     * compaction, so each is owed the latest state of every record rather than every event (without it, the same
     * backlog is replayed: what compaction is measured against). Subscribers come back like {@code EventSource}: a
     * stream the server closes (during catch-up too) is opened again after its {@code retry:}, with
     * {@code Last-Event-ID}, and what they finally got is what counts.
     */
    Run storm(int backlog, int records, boolean compact) {
        return storm(backlog, records, compact, rate);
    }

    /** The same, with the backlog published at {@code backlogRate} events a second. */
    Run storm(int backlog, int records, boolean compact, int backlogRate) {
        if (compact && records <= 0) {
            throw new IllegalArgumentException("compaction folds records: give records > 0");
        }
        this.backlog = backlog;
        this.records = records;
        this.compact = compact;
        this.backlogRate = backlogRate;
        this.reconnectMillis = Subscriber.AS_EVENT_SOURCE;
        return this;
    }

    /**
     * Spreads the connections over this process and {@code processes - 1} helper processes ({@code hold}): one
     * process holds at most ~19,900 sockets here, whatever the connections are for.
     */
    Run processes(int processes) {
        this.processes = Math.max(1, processes);
        return this;
    }

    /**
     * Subscribers come back like {@code EventSource}: a stream that drops is opened again after the server's
     * {@code retry:}, with {@code Last-Event-ID}, and what they finally got is what counts (a stream a busy server
     * closed is not a lost event unless its resume loses it).
     */
    Run reconnectAsEventSource() {
        this.reconnectMillis = Subscriber.AS_EVENT_SOURCE;
        return this;
    }

    /**
     * Failover: {@code killAt} seconds into the measured phase the process {@code killPid} is killed (SIGKILL);
     * subscribers reconnect like a browser, {@code reconnectMillis} (plus jitter) after a drop, with Last-Event-ID.
     */
    Run failover(long killPid, int killAt, long reconnectMillis) {
        this.killPid = killPid;
        this.killAt = killAt;
        this.reconnectMillis = reconnectMillis;
        return this;
    }

    int execute(PrintStream out) throws Exception {
        if (options.slowLog != null) {
            stats.slowMicros = 1000;
        }
        Map<String, Object> result = measure(out);
        String json = JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(result);
        out.println(json);
        if (options.out != null) {
            Files.writeString(options.out, json + "\n");
        }
        if (options.slowLog != null) {
            StringBuilder lines = new StringBuilder();
            stats.slow.forEach(event -> lines.append(event[0]).append(' ').append(event[1]).append('\n'));
            Files.writeString(options.slowLog, lines);
        }
        return (long) result.get("lost") == 0 && (long) result.get("duplicated") == 0 ? 0 : 1;
    }

    Map<String, Object> measure(PrintStream out) throws Exception {
        List<Sessions.Session> sessions = sessions(out);
        userIds = sessions.isEmpty()
                ? java.util.stream.IntStream.range(0, options.users == null ? options.connections : options.users)
                    .mapToObj(u -> "lt" + u).toList()
                : sessions.stream().map(Sessions.Session::user).distinct().toList();
        for (int u = 0; u < userIds.size(); u++) {
            indexOf.put(userIds.get(u), u);
        }
        int users = userIds.size();
        int groups = (users + fanout - 1) / fanout;
        List<Subscriber> subscribers = new ArrayList<>(options.connections);
        Connections connections = new Connections(options, sessions, users, compact);
        int share = options.connections / processes;
        int own = options.connections - share * (processes - 1);
        List<Helper> helpers = new ArrayList<>();
        Path sessionsFile = null;
        try (Sampler sampler = new Sampler(options.serverPid, options.redis);
                Publisher publisher = publisher()) {
            long rssBefore = sampler.rssBytes();
            sampler.cpuPercent();
            long started = System.nanoTime();
            long nextLine = started + 1_000_000_000L;
            if (processes > 1 && !sessions.isEmpty()) {
                // The helpers sign nobody in: they read the sessions signed in here (or read from --cookie-file) from
                // a file of their own in --cookie-file's format, which only this user may read, gone with the run.
                sessionsFile = Sessions.toFile(sessions);
            }
            for (int p = 1; p < processes; p++) {
                helpers.add(Helper.start(options, own + (p - 1) * share, share, users, processes, sessionsFile));
            }
            for (int i = 0; i < own; i++) {
                Subscriber subscriber = connections.subscriber(i, stats, reconnectMillis);
                subscribers.add(subscriber);
                Thread.ofVirtual().name("sub-" + i).start(subscriber::run);
                pace(started, i + 1, options.connectRate);
                if (System.nanoTime() > nextLine) {
                    nextLine += 1_000_000_000L;
                    progress(out, started, "connecting", subscribers.size());
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (stats.connected.sum() + stats.failedConnects.sum() < own && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            for (Helper helper : helpers) {
                Helper.Held held = helper.awaitHeld(Duration.ofSeconds(90));
                stats.connected.add(held.connected());
                stats.failedConnects.add(held.failed());
            }
            // Let the server settle (GC, lazily allocated buffers) before its memory is read.
            Thread.sleep(2000);
            long rssConnected = sampler.rssBytes();
            out.printf("connected %d of %d (%d failed) in %.1f s%n", stats.connected.sum(), options.connections,
                    stats.failedConnects.sum(), (System.nanoTime() - started) / 1e9);

            AtomicIntegerArray sequence = new AtomicIntegerArray(groups);
            // Only events whose publish call returned were accepted: those are the ones that can be lost. (A call
            // that failed, or was still running when the run ended, is counted apart.)
            Map<Integer, java.util.Set<Integer>> accepted = new java.util.concurrent.ConcurrentHashMap<>();
            // The server's CPU over the measured phase only: connecting and the warm-up (where the JIT compiler alone
            // took 60-96 % of a core of a cold hub) are steady state for no one.
            List<Double> cpu = new ArrayList<>();
            sampler.cpuPercent();
            long publishStart = System.nanoTime();
            long warmupCount = (long) rate * options.warmup;
            long total = warmupCount + (long) rate * options.duration;
            long nextProgress = publishStart + 1_000_000_000L;
            long receivedBefore = 0;
            double warmupDrainSeconds = 0;
            for (long i = 0; i < total; i++) {
                if (i == warmupCount && warmupCount > 0) {
                    // A cold server (JIT, pools) may fall behind during the warm-up: the measured phase starts once
                    // what the warm-up published has arrived (or after 30 s), so that it measures the steady state,
                    // not the warm-up's queue draining. How long that took is in the result (warmup_drain_s).
                    long drainStart = System.nanoTime();
                    awaitArrived(sequence, groups, subscribers, accepted, Duration.ofSeconds(30));
                    warmupDrainSeconds = (System.nanoTime() - drainStart) / 1e9;
                    // Measured from here on; the warm-up's events still count for lost and duplicated.
                    stats.latency.reset();
                    cpu.clear();
                    sampler.cpuPercent();
                    receivedBefore = stats.received.sum();
                    publishStart = System.nanoTime() - 1;
                    nextProgress = publishStart + 1_000_000_000L;
                    out.printf("warm-up done (%d s, its events arrived %.2f s after it); measuring%n", options.warmup,
                            warmupDrainSeconds);
                }
                if (killPid > 0 && i == warmupCount + (long) rate * killAt) {
                    kill(out);
                }
                publishOne(publisher, (int) (i % groups), sequence, accepted, users);
                pace(publishStart, i + 1 - (i >= warmupCount ? warmupCount : 0), rate);
                if (System.nanoTime() > nextProgress) {
                    nextProgress += 1_000_000_000L;
                    cpu.add(sampler.cpuPercent());
                    progress(out, publishStart, "publishing", subscribers.size());
                }
            }
            if (rate == 0) {
                Thread.sleep(options.duration * 1000L);
            }
            cpu.add(sampler.cpuPercent());
            long publishEnd = System.nanoTime();

            // Wait for what is in flight: every subscriber has every seq of its group, or 10 s passed (30 s after a
            // failover: clients of the killed node reconnect and catch up).
            awaitArrived(sequence, groups, subscribers, accepted, Duration.ofSeconds(killPid > 0 ? 30 : 10));
            Map<String, Object> storm = backlog > 0
                    ? storm(subscribers, publisher, sequence, accepted, users, groups, out) : null;
            long lost = missing(subscribers, owed(accepted));
            progress(out, publishStart, "done", subscribers.size());

            Map<String, Object> result = new LinkedHashMap<>();
            result.put("scenario", scenario);
            result.put("target", options.label != null ? options.label
                    : options.target + (options.target.equals("hub") ? "/" + options.publish : "")
                            + (compact ? " +compact" : ""));
            result.put("connections", options.connections);
            result.put("users", users);
            result.put("rate", rate);
            result.put("fanout", fanout);
            result.put("duration_s", options.duration);
            result.put("warmup_drain_s", Math.round(warmupDrainSeconds * 100) / 100.0);
            result.put("connected", stats.connected.sum());
            result.put("failed_connects", stats.failedConnects.sum());
            result.put("dropped", stats.dropped.sum());
            if (reconnectMillis != -1) {
                // Streams opened again after a drop (EventSource-like, or after a failover), all phases together.
                result.put("reopened", stats.reconnected.sum());
            }
            result.put("connect_ms", percentiles(stats.connectTime));
            result.put("published", stats.published.sum());
            result.put("publish_failures", stats.publishFailures.sum());
            long assigned = 0;
            for (int g = 0; g < groups; g++) {
                assigned += sequence.get(g);
            }
            result.put("publishes_unfinished", assigned - stats.published.sum() - stats.publishFailures.sum());
            result.put("delivered", stats.received.sum());
            result.put("delivered_per_s", Math.round((stats.received.sum() - receivedBefore) / Math.max(1e-9,
                    (publishEnd - publishStart) / 1e9)));
            result.put("latency_ms", percentiles(stats.latency));
            result.put("lost", lost);
            result.put("duplicated", stats.duplicated.sum());
            result.put("out_of_order", stats.outOfOrder.sum());
            if (killPid > 0) {
                Map<String, Object> failover = new LinkedHashMap<>();
                failover.put("killed_pid", killPid);
                failover.put("killed_at_s", killAt);
                failover.put("reconnected", stats.reconnected.sum());
                failover.put("reconnect_ms", percentiles(stats.reconnectTime));
                result.put("failover", failover);
            }
            Map<String, Object> server = new LinkedHashMap<>();
            server.put("rss_before_bytes", rssBefore);
            server.put("rss_connected_bytes", rssConnected);
            server.put("bytes_per_connection", rssBefore < 0 || stats.connected.sum() == 0 ? -1
                    : (rssConnected - rssBefore) / stats.connected.sum());
            server.put("cpu_percent_avg", cpu.stream().filter(v -> v >= 0).mapToDouble(v -> v).average()
                .orElse(-1));
            result.put("server", server);
            if (storm != null) {
                result.put("storm", storm);
            }
            result.put("redis", sampler.redisInfo());
            return result;
        }
        finally {
            subscribers.forEach(Subscriber::close);
            helpers.forEach(Helper::close);
            if (sessionsFile != null) {
                Files.deleteIfExists(sessionsFile);
            }
        }
    }

    /** Publishes the next event of a group on a virtual thread of its own; counts it accepted once it returns. */
    private Thread publishOne(Publisher publisher, int group, AtomicIntegerArray sequence,
            Map<Integer, java.util.Set<Integer>> accepted, int users) {
        int seq = sequence.getAndIncrement(group);
        List<String> targets = new ArrayList<>(fanout);
        targets.addAll(userIds.subList(group * fanout, Math.min(users, (group + 1) * fanout)));
        return Thread.ofVirtual().start(() -> {
            try {
                publisher.publish(targets, records > 0
                        ? "{\"seq\":" + seq + ",\"t\":" + Clock.micros() + ",\"model\":\"lt\",\"id\":"
                                + seq % records + ",\"fields\":{\"v\":" + seq + "}}"
                        : "{\"seq\":" + seq + ",\"t\":" + Clock.micros() + "}");
                stats.published.increment();
                accepted.computeIfAbsent(group, g -> java.util.concurrent.ConcurrentHashMap.newKeySet()).add(seq);
            }
            catch (Exception ex) {
                stats.publishFailures.increment();
            }
        });
    }

    /**
     * The storm: every subscriber goes away, {@code backlog} events are published to each group meanwhile, then
     * all come back at once with their {@code Last-Event-ID}. Measures how long until every one has caught up.
     */
    private Map<String, Object> storm(List<Subscriber> subscribers, Publisher publisher,
            AtomicIntegerArray sequence, Map<Integer, java.util.Set<Integer>> accepted, int users, int groups,
            PrintStream out) throws InterruptedException {
        subscribers.forEach(Subscriber::close);
        long connectedBefore = stats.connected.sum();
        long droppedBefore = stats.dropped.sum();
        long reconnectedBefore = stats.reconnected.sum();
        List<Thread> publishing = new ArrayList<>();
        long start = System.nanoTime();
        for (long i = 0; i < (long) backlog * groups; i++) {
            publishing.add(publishOne(publisher, (int) (i % groups), sequence, accepted, users));
            pace(start, i + 1, Math.max(backlogRate, 1));
        }
        for (Thread thread : publishing) {
            thread.join();
        }
        out.printf("storm: %d subscribers away, %d events each published meanwhile; all come back now%n",
                subscribers.size(), backlog);
        long back = System.nanoTime();
        for (Subscriber subscriber : subscribers) {
            Thread.ofVirtual().start(subscriber::run);
        }
        long receivedBefore = stats.received.sum();
        // Every publish has returned: what each client is owed is fixed from here on.
        Map<Integer, int[]> owed = owed(accepted);
        long deadline = back + Duration.ofSeconds(120).toNanos();
        long behind = Long.MAX_VALUE;
        java.util.Set<Subscriber> done = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        double allBack = -1;
        long nextProgress = back + Duration.ofSeconds(1).toNanos();
        while (System.nanoTime() < deadline) {
            if (allBack < 0 && stats.connected.sum() - connectedBefore >= subscribers.size()) {
                allBack = (System.nanoTime() - back) / 1e9;
            }
            behind = missing(subscribers, owed, done);
            if (behind == 0) {
                break;
            }
            if (System.nanoTime() >= nextProgress) {
                // Where the storm stands each second: how many are back, how many have all they are owed.
                out.printf("storm %4.1fs reconnected=%d caught-up=%d still-owed=%d received=%d closed-by-server=%d%n",
                        (System.nanoTime() - back) / 1e9, stats.connected.sum() - connectedBefore, done.size(),
                        behind, stats.received.sum() - receivedBefore, stats.dropped.sum() - droppedBefore);
                nextProgress += Duration.ofSeconds(1).toNanos();
            }
            Thread.sleep(20);
        }
        double seconds = (System.nanoTime() - back) / 1e9;
        out.printf("storm: %s in %.2f s (all reconnected in %.2f s)%n", behind == 0 ? "every subscriber caught up"
                : behind + " events still missing", seconds, allBack);
        Map<String, Object> storm = new LinkedHashMap<>();
        storm.put("backlog_per_user", backlog);
        storm.put("records", records);
        storm.put("compact", compact);
        storm.put("delivered", stats.received.sum() - receivedBefore);
        storm.put("reconnected", stats.connected.sum() - connectedBefore);
        storm.put("all_reconnected_s", allBack);
        // Streams the server closed after the storm (during catch-up or after), each opened again after its retry.
        storm.put("closed_by_server", stats.dropped.sum() - droppedBefore);
        storm.put("reopened_after_close", stats.reconnected.sum() - reconnectedBefore);
        storm.put("caught_up_s", behind == 0 ? seconds : -1);
        storm.put("missing_at_end", behind);
        return storm;
    }

    /**
     * What each group is owed, a snapshot of the accepted events: every one, or with compaction the latest state of
     * each record (the highest seq per {@code seq % records}).
     */
    private Map<Integer, int[]> owed(Map<Integer, java.util.Set<Integer>> accepted) {
        Map<Integer, int[]> owed = new java.util.HashMap<>();
        accepted.forEach((group, seqs) -> {
            if (!compact) {
                owed.put(group, seqs.stream().mapToInt(Integer::intValue).toArray());
                return;
            }
            int[] latest = new int[records];
            java.util.Arrays.fill(latest, -1);
            for (int seq : seqs) {
                latest[seq % records] = Math.max(latest[seq % records], seq);
            }
            owed.put(group, java.util.Arrays.stream(latest).filter(seq -> seq >= 0).toArray());
        });
        return owed;
    }

    /** Publishes started whose call has not returned yet. */
    private long unfinished(AtomicIntegerArray sequence, int groups) {
        long assigned = 0;
        for (int g = 0; g < groups; g++) {
            assigned += sequence.get(g);
        }
        return assigned - stats.published.sum() - stats.publishFailures.sum();
    }

    /**
     * Waits until every publish call has returned and every subscriber has what it is owed, or {@code atMost} passed
     * (publishes still in flight count once they return).
     */
    private void awaitArrived(AtomicIntegerArray sequence, int groups, List<Subscriber> subscribers,
            Map<Integer, java.util.Set<Integer>> accepted, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while ((unfinished(sequence, groups) > 0 || missing(subscribers, owed(accepted)) > 0)
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    /** Events (with compaction: record states) owed and not yet received, over all subscribers. */
    private long missing(List<Subscriber> subscribers, Map<Integer, int[]> owed) {
        return missing(subscribers, owed, new java.util.HashSet<>());
    }

    /** The owed events not yet received; a subscriber found with all of its own goes into {@code done}, then skipped. */
    private long missing(List<Subscriber> subscribers, Map<Integer, int[]> owed, java.util.Set<Subscriber> done) {
        long missing = 0;
        for (Subscriber subscriber : subscribers) {
            if (done.contains(subscriber)) {
                continue;
            }
            int[] mine = owed.getOrDefault(groupOf(subscriber), new int[0]);
            int behind = mine.length - subscriber.received(mine, compact ? records : 0);
            if (behind == 0) {
                // What it has, it keeps: asked no more.
                done.add(subscriber);
            }
            missing += behind;
        }
        return missing;
    }

    private void kill(PrintStream out) {
        ProcessHandle.of(killPid).ifPresentOrElse(process -> {
            process.destroyForcibly();
            out.printf("failover: killed pid %d (SIGKILL)%n", killPid);
        }, () -> out.printf("failover: pid %d is not running; nothing killed%n", killPid));
    }

    /** Users {@code lt<k>} are in groups of {@code fanout}: one event goes to one whole group. */
    private int groupOf(Subscriber subscriber) {
        return indexOf.get(subscriber.user()) / fanout;
    }

    /** Sessions of signed-in users (--login, --cookie-file), or none: subscribers then carry tokens. */
    private List<Sessions.Session> sessions(PrintStream out) throws java.io.IOException, InterruptedException {
        if (options.login != null && options.cookieFile != null) {
            throw new IllegalArgumentException("--login or --cookie-file, not both");
        }
        if (options.login != null) {
            return Sessions.login(options.loginUrl != null ? options.loginUrl : options.url, options.login, out);
        }
        return options.cookieFile != null ? Sessions.fromFile(options.cookieFile) : List.of();
    }

    private Publisher publisher() {
        if (options.target.equals("nchan")) {
            return Publisher.nchan(options.url);
        }
        if (options.target.equals("naive")) {
            return Publisher.redisXadd(options.redis, options.prefix);
        }
        return switch (options.publish) {
            case "redis" -> Publisher.hubRedis(options.redis, options.prefix);
            case "http" -> Publisher.hubHttp(options.url, options.publishToken);
            case "http-batch" -> new BatchPublisher(options.url, options.publishToken, 5, 500);
            default -> throw new IllegalArgumentException("--publish is http, http-batch or redis");
        };
    }

    private void progress(PrintStream out, long since, String phase, int opened) {
        out.printf("%5.1fs %-10s open=%d connected=%d failed=%d dropped=%d published=%d received=%d p50=%.2fms "
                + "p99=%.2fms dup=%d%n", (System.nanoTime() - since) / 1e9, phase, opened, stats.connected.sum(),
                stats.failedConnects.sum(), stats.dropped.sum(), stats.published.sum(), stats.received.sum(),
                Stats.millis(stats.latency, 50), Stats.millis(stats.latency, 99), stats.duplicated.sum());
    }

    private static Map<String, Object> percentiles(org.HdrHistogram.Histogram histogram) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("p50", Stats.millis(histogram, 50));
        values.put("p90", Stats.millis(histogram, 90));
        values.put("p99", Stats.millis(histogram, 99));
        values.put("p99_9", Stats.millis(histogram, 99.9));
        values.put("max", histogram.getTotalCount() == 0 ? 0 : histogram.getMaxValue() / 1000.0);
        values.put("count", histogram.getTotalCount());
        return values;
    }

    /** Sleeps until the {@code done}-th operation is due at {@code perSecond} since {@code start}. */
    static void pace(long start, long done, int perSecond) throws InterruptedException {
        if (perSecond <= 0) {
            return;
        }
        long due = start + done * 1_000_000_000L / perSecond;
        long wait = due - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(Duration.ofNanos(wait));
        }
    }
}
