package dev.livehub.loadtest;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import tools.jackson.databind.JsonNode;

/**
 * BENCHMARKS.md's {@code scale} section (several app nodes on one Redis, the generator in several processes, one node
 * killed) and the projection to a million streams drawn from it. Figures come only from result files; what no run
 * measured is written as not yet measured.
 */
final class Scale {

    private static final String NOT_MEASURED = "not yet measured";

    private Scale() {
    }

    static void append(StringBuilder out, List<JsonNode> results) {
        JsonNode scale = results.stream().filter(r -> r.path("scenario").asString().equals("scale")).findFirst()
            .orElse(null);
        if (scale != null) {
            out.append("## scale\n\n");
            out.append("`loadtest/bench scale`: ").append(scale.path("nodes").size())
                .append(" app nodes (`-Xms1g -Xmx1g -XX:+UseZGC`, `SCALE_NODES`) on one Redis behind ")
                .append("`nginx/cluster`, session users signed in through `/login`, their streams through nginx to the ")
                .append("nodes' Netty ports; the generator in ").append(scale.path("processes").asLong())
                .append(" processes, each with its own users and share of the rate; node 1 killed with SIGKILL ")
                .append("mid-run, its clients back through nginx. Streams per node are counted on the nodes' stream ")
                .append("ports before the kill; latency is the highest of the processes' percentiles.\n\n");
            out.append("| streams | users | events/s | connected | node streams | node RSS/stream | p50 ms | p99 ms | ")
                .append("dropped | reconnected | Redis CPU % | Redis clients | lost | dup |\n");
            out.append("|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            StringBuilder streams = new StringBuilder();
            StringBuilder memory = new StringBuilder();
            for (JsonNode node : scale.path("nodes")) {
                streams.append(streams.isEmpty() ? "" : " / ").append(node.path("streams").asLong());
                memory.append(memory.isEmpty() ? "" : " / ").append(Report.kib(node.path("bytes_per_stream").asLong()));
            }
            out.append("| ").append(scale.path("connections").asLong())
                .append(" | ").append(scale.path("users").asLong())
                .append(" | ").append(scale.path("rate").asLong())
                .append(" | ").append(scale.path("connected").asLong())
                .append(" | ").append(streams)
                .append(" | ").append(memory)
                .append(" | ").append(Report.ms(scale.path("latency_ms").path("p50")))
                .append(" | ").append(Report.ms(scale.path("latency_ms").path("p99")))
                .append(" | ").append(scale.path("dropped").asLong())
                .append(" | ").append(scale.path("failover").path("reconnected").asLong())
                .append(" | ").append(scale.path("redis").path("cpu_percent").asDouble())
                .append(" | ").append(scale.path("redis").path("connected_clients").asLong())
                .append(" | ").append(scale.path("lost").asLong())
                .append(" | ").append(scale.path("duplicated").asLong())
                .append(" |\n\n");
        }
        projection(out, scale, results);
    }

    /** The formula, its assumptions, and the figures it takes from the runs above (or says they are missing). */
    private static void projection(StringBuilder out, JsonNode scale, List<JsonNode> results) {
        out.append("## A million streams: how to project\n\n");
        out.append("For S = 1,000,000 streams:\n\n")
            .append("- nodes = ceil(S / streams per node), where streams per node is the lower of the file limit ")
            .append("(about 20,000 a process here, less the node's other descriptors) and what one node's CPU carries at ")
            .append("the target rate; plus one node, so a killed node's streams fit on the others.\n")
            .append("- memory = S x RSS per stream + nodes x the node's base RSS (heap and code).\n")
            .append("- Redis shards = ceil(publish rate x Redis CPU per event / (one core's budget, say 70 %)); Redis ")
            .append("connections stay a handful per node whatever the streams (one subscriber and command connections), ")
            .append("and its memory is users x bytes per user stream.\n")
            .append("- proxies: nginx holds two sockets per stream, so its workers need a file limit of 2 x S / workers.\n\n");
        out.append("Assumptions: streams spread evenly over nodes (nginx's round robin, as the scale run showed); delivery cost grows with events ")
            .append("delivered, not with streams held; an idle stream costs what `idle` measures; figures are from this ")
            .append("2-core machine shared with the generator, so CPU figures are upper bounds.\n\n");
        out.append("| figure | value | from |\n|---|---|---|\n");
        // The highest of the idle-sessions runs: the figure moves with how far the node's heap had grown before the
        // streams opened (1-9 KiB in three runs of one day), and a projection should not take the luckiest.
        List<JsonNode> idles = results.stream().filter(r -> r.path("scenario").asString().equals("idle")
                && r.path("target").asString().startsWith("app-sessions")).toList();
        JsonNode idle = idles.stream()
            .max(Comparator.comparingLong(r -> r.path("server").path("bytes_per_connection").asLong())).orElse(null);
        out.append("| RSS per idle session stream, one node")
            .append(idles.size() > 1 ? " (highest of " + idles.size() + " runs)" : "").append(" | ")
            .append(idle == null ? NOT_MEASURED : Report.kib(idle.path("server").path("bytes_per_connection").asLong()))
            .append(" | idle-sessions |\n");
        if (scale == null) {
            out.append("| streams per node held at once | ").append(NOT_MEASURED).append(" | scale |\n");
            out.append("| RSS per stream under load | ").append(NOT_MEASURED).append(" | scale |\n");
            out.append("| Redis CPU at the scale run's rate | ").append(NOT_MEASURED).append(" | scale |\n");
            out.append("| Redis connections for 3 nodes | ").append(NOT_MEASURED).append(" | scale |\n\n");
            return;
        }
        long most = 0;
        long worstBytes = -1;
        for (JsonNode node : scale.path("nodes")) {
            most = Math.max(most, node.path("streams").asLong());
            worstBytes = Math.max(worstBytes, node.path("bytes_per_stream").asLong());
        }
        out.append("| streams per node held at once (most loaded node) | ").append(most).append(" | scale, ")
            .append(scale.path("connections").asLong()).append(" streams |\n");
        out.append("| RSS per stream under load (highest node) | ").append(Report.kib(worstBytes)).append(" | scale |\n");
        out.append("| Redis CPU at ").append(scale.path("rate").asLong()).append(" events/s | ")
            .append(scale.path("redis").path("cpu_percent").asDouble()).append(" % | scale |\n");
        int nodes = scale.path("nodes").size();
        long clients = scale.path("redis").path("connected_clients").asLong();
        out.append("| Redis connections for ").append(nodes).append(" nodes and the generator | ")
            .append(clients).append(" | scale |\n\n");
        if (scale.path("connections").asLong() < 50_000) {
            out.append("The scale run above is smaller than 50,000 streams: its figures show the method, not a node's ")
                .append("capacity; a projection needs the 50,000-stream run on a quiet machine.\n\n");
            return;
        }
        million(out, scale, idle, nodes, clients);
    }

    /** Streams a node holds at most: its stream cap ({@code hub.stream-max-connections} in the bench), under 20,000 files. */
    private static final long STREAMS_PER_NODE = 19_000;

    /** The projection's numbers, from a scale run of 50,000 streams or more and the idle-sessions run. */
    private static void million(StringBuilder out, JsonNode scale, JsonNode idle, int nodes, long clients) {
        long streams = 1_000_000;
        long needed = (streams + STREAMS_PER_NODE - 1) / STREAMS_PER_NODE + 1;
        long baseRss = 0;
        for (JsonNode node : scale.path("nodes")) {
            baseRss = Math.max(baseRss, node.path("rss_before_bytes").asLong());
        }
        double redisCpu = scale.path("redis").path("cpu_percent").asDouble();
        long rate = scale.path("rate").asLong();
        out.append("For 1,000,000 streams, from these figures:\n\n| what | projection | how |\n|---|---:|---|\n");
        out.append("| nodes | ").append(needed).append(" | ceil(1,000,000 / ").append(STREAMS_PER_NODE)
            .append(" streams a node under its 20,000 files) + 1 for a killed node's streams |\n");
        if (idle != null) {
            long perStream = idle.path("server").path("bytes_per_connection").asLong();
            double gib = (streams * perStream + needed * baseRss) / (1024.0 * 1024 * 1024);
            out.append("| node memory in all | ").append(String.format(Locale.ROOT, "%.0f GiB", gib))
                .append(" | 1,000,000 x ").append(Report.kib(perStream)).append(" (idle session stream) + ").append(needed)
                .append(" x ").append(baseRss / (1024 * 1024)).append(" MiB (a node's RSS before its streams) |\n");
        }
        if (redisCpu > 0 && rate > 0) {
            long perShard = Math.round(rate * 70.0 / redisCpu);
            out.append("| events a second one Redis shard carries | ").append(perShard).append(" | ").append(rate)
                .append(" events/s took ").append(redisCpu).append(" % of a core; budget 70 % of one core |\n");
        }
        long clientsPerNode = (clients + nodes - 1) / nodes;
        out.append("| Redis connections | ").append(clientsPerNode * needed)
            .append(" | about ").append(clientsPerNode).append(" a node (this run's ").append(clients)
            .append(" over ").append(nodes).append(" nodes, the generator's included) |\n\n");
        out.append("Redis shards = the publish rate a million streams' users make / the events a second one shard carries. ")
            .append("Each event here went to one user's 10 streams on up to all nodes; with one stream per browser (the ")
            .append("client shares one connection between tabs) a user's bell channel reaches one node, so Redis's cost ")
            .append("per event does not grow with the number of nodes.\n\n");
    }
}
