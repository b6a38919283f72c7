package dev.livehub.loadtest;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

import tools.jackson.databind.JsonNode;

/**
 * BENCHMARKS.md's "Targets, run by run" section: each goal the issues set, as a ratio of two results of the same run
 * (the hub and its peer measured back to back by one {@code loadtest/bench} invocation), one row per goal and run.
 * A run is the {@code run} field {@code loadtest/bench} writes into every result ({@code BENCH_RUNS=3} repeats every
 * scenario and numbers the runs); a goal whose results are missing from a run is left out, never guessed.
 */
final class Targets {

    /** One goal: two results of a run compared, or one result checked against a bound. */
    private record Goal(String what, String hub, String peer, String unit, ToDoubleFunction<JsonNode> figure,
            double bound, boolean absolute) {

        /** The hub's figure at most {@code bound} times the peer's. */
        static Goal ratio(String what, String hub, String peer, String unit, ToDoubleFunction<JsonNode> figure,
                double bound) {
            return new Goal(what, hub, peer, unit, figure, bound, false);
        }

        /** The hub's figure at most {@code bound}. */
        static Goal below(String what, String hub, String unit, ToDoubleFunction<JsonNode> figure, double bound) {
            return new Goal(what, hub, null, unit, figure, bound, true);
        }
    }

    private static final ToDoubleFunction<JsonNode> CPU = r -> r.path("server").path("cpu_percent_avg").asDouble();
    private static final ToDoubleFunction<JsonNode> P99 = r -> r.path("latency_ms").path("p99").asDouble();
    private static final ToDoubleFunction<JsonNode> RSS = r -> r.path("server").path("bytes_per_connection")
        .asDouble() / 1024;
    private static final ToDoubleFunction<JsonNode> CAUGHT_UP = r -> r.path("storm").path("caught_up_s").asDouble();
    private static final ToDoubleFunction<JsonNode> LOST = r -> r.path("lost").asDouble()
            + r.path("duplicated").asDouble();

    /** The issues' "Done when" figures, by result name (the name {@code loadtest/bench} gives each run). */
    private static final List<Goal> GOALS = List.of(
        Goal.ratio("HTTP publish: hub CPU", "steady-hub-http", "steady-nchan", "%", CPU, 1.5),
        Goal.ratio("HTTP publish: p99", "steady-hub-http", "steady-nchan", "ms", P99, 1.2),
        Goal.ratio("session streams: p99", "steady-sessions", "steady-sessions-nchan", "ms", P99, 1.2),
        // The same streams straight from the node: no proxy in front of either server (Nchan is its own nginx).
        Goal.ratio("session streams, no proxy: p99", "steady-sessions-direct", "steady-sessions-nchan", "ms", P99,
                1.2),
        Goal.ratio("session streams: memory per idle stream", "idle-sessions", "idle-sessions-nchan", "KiB", RSS, 1.0),
        // The README's first command: one node, one port (Jetty), no proxy.
        Goal.ratio("session streams, embedded default: memory per idle stream", "idle-embedded", "idle-embedded-nchan",
                "KiB", RSS, 1.0),
        Goal.ratio("token streams (Netty): memory per idle stream", "idle-hub-netty", "idle-nchan", "KiB", RSS, 1.0),
        Goal.ratio("storm: all caught up", "storm-hub-netty", "storm-nchan", "s", CAUGHT_UP, 1.0),
        Goal.ratio("storm, session streams: all caught up", "storm-sessions", "storm-sessions-nchan", "s", CAUGHT_UP,
                1.0),
        Goal.ratio("compaction vs replay of the same backlog: all caught up", "storm-hub-netty-backlog100-compact",
                "storm-hub-netty-backlog100", "s", CAUGHT_UP, 1.0),
        Goal.below("fan-out over HTTP: p99", "fanout-hub-http", "ms", P99, 100),
        Goal.below("fan-out over HTTP: lost + duplicated", "fanout-hub-http", "events", LOST, 0),
        Goal.below("fan-out over Redis: p99", "fanout-hub-redis", "ms", P99, 100),
        Goal.below("fan-out over Redis: lost + duplicated", "fanout-hub-redis", "events", LOST, 0),
        Goal.below("scale: lost + duplicated", "scale", "events", LOST, 0));

    private Targets() {
    }

    /**
     * Appends the section.
     *
     * @param results every result, each with its {@code name} and {@code run} (0 when the run was not numbered)
     */
    static void append(StringBuilder out, List<JsonNode> results) {
        Map<Long, Map<String, JsonNode>> runs = new TreeMap<>();
        for (JsonNode r : results) {
            runs.computeIfAbsent(r.path("run").asLong(), k -> new TreeMap<>()).put(r.path("name").asString(), r);
        }
        StringBuilder rows = new StringBuilder();
        for (Map.Entry<Long, Map<String, JsonNode>> run : runs.entrySet()) {
            for (Goal goal : GOALS) {
                row(goal, run.getKey(), run.getValue()).ifPresent(rows::append);
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        out.append("## Targets, run by run\n\n");
        out.append("Each goal compares two results of one run (measured back to back by one `loadtest/bench`; ")
            .append("`BENCH_RUNS=3 loadtest/bench ...` makes three consecutive runs), or one result with a bound. ")
            .append("The machine is shared and noisy: a goal is met when every run meets it.\n\n");
        out.append("| run | commit | goal | hub | peer | ratio | target | met |\n");
        out.append("|---:|---|---|---:|---:|---:|---:|---|\n");
        out.append(rows).append('\n');
        out.append("Commits of these runs: ").append(String.join(", ", commits(results))).append(".\n\n");
    }

    private static Optional<String> row(Goal goal, long run, Map<String, JsonNode> named) {
        JsonNode hub = named.get(goal.hub());
        if (hub == null || (!goal.absolute() && !named.containsKey(goal.peer()))) {
            return Optional.empty();
        }
        double value = goal.figure().applyAsDouble(hub);
        String commit = hub.path("commit").asString("-");
        if (goal.absolute()) {
            return Optional.of(String.format("| %d | %s | %s | %s %s | - | - | ≤ %s | %s |%n", run, commit, goal.what(),
                    figure(value), goal.unit(), figure(goal.bound()), value <= goal.bound() ? "yes" : "**no**"));
        }
        double peer = goal.figure().applyAsDouble(named.get(goal.peer()));
        double ratio = peer > 0 ? value / peer : Double.POSITIVE_INFINITY;
        return Optional.of(String.format("| %d | %s | %s | %s %s | %s %s | %.2fx | ≤ %.1fx | %s |%n", run, commit,
                goal.what(), figure(value), goal.unit(), figure(peer), goal.unit(), ratio, goal.bound(),
                ratio <= goal.bound() ? "yes" : "**no**"));
    }

    private static String figure(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e9 ? String.valueOf((long) value)
                : String.format("%.2f", value);
    }

    private static TreeSet<String> commits(List<JsonNode> results) {
        TreeSet<String> commits = new TreeSet<>();
        results.forEach(r -> commits.add(r.path("commit").asString("unrecorded")));
        return commits;
    }
}
