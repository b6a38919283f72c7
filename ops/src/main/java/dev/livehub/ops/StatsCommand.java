package dev.livehub.ops;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.livehub.hub.EventId;

@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Which Redis, streams, entries, memory, oldest and newest entry, the hub nodes subscribed to "
                + "bells, and the nodes' heartbeats.")
final class StatsCommand extends StoreCommand implements Callable<Integer> {

    @Option(names = "--json", description = "one JSON document")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = err();
        long[] streams = { 0 };
        long[] entries = { 0 };
        long[] bytes = { 0 };
        EventId[] oldest = { null };
        EventId[] newest = { null };
        List<Map<String, String>> nodes = new ArrayList<>();
        String redis;
        Map<String, tools.jackson.databind.JsonNode> heartbeats;
        try (Store store = store()) {
            redis = store.describe();
            heartbeats = store.heartbeats();
            store.scanStreams("*", key -> {
                Map<String, Object> info = store.info(key);
                streams[0]++;
                entries[0] += ((Number) info.getOrDefault("length", 0L)).longValue();
                Long memory = store.commands().memoryUsage(key);
                bytes[0] += memory == null ? 0 : memory;
                if (info.get("first-entry") instanceof List<?> first && !first.isEmpty()) {
                    EventId id = EventId.parse(String.valueOf(first.getFirst()));
                    oldest[0] = oldest[0] == null || oldest[0].isAfter(id) ? id : oldest[0];
                }
                EventId last = EventId.parse(String.valueOf(info.get("last-generated-id")));
                newest[0] = newest[0] == null || last.isAfter(newest[0]) ? last : newest[0];
            }, seen -> {
                err.println("hubctl: " + seen + " streams scanned...");
                err.flush();
            });
            // Hub nodes hold one pub/sub connection each, named hub-node:<pid>:<host>, with a shard channel per user
            // (a bell) and, where the nodes' broadcast channel lives, that channel too: not a bell.
            Long broadcast = store.commands().pubsubShardNumsub(store.keys().nodesChannel())
                .get(store.keys().nodesChannel());
            boolean broadcastHere = broadcast != null && broadcast > 0;
            for (String line : store.commands().clientList().split("\n")) {
                Map<String, String> fields = new LinkedHashMap<>();
                for (String pair : line.strip().split(" ")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0) {
                        fields.put(pair.substring(0, eq), pair.substring(eq + 1));
                    }
                }
                long subscribed = count(fields.getOrDefault("ssub", fields.getOrDefault("sub", "0")));
                long bells = broadcastHere && subscribed > 0 ? subscribed - 1 : subscribed;
                if (fields.getOrDefault("name", "").startsWith("hub-node:") && bells > 0) {
                    nodes.add(Map.of("name", fields.get("name"), "addr", fields.getOrDefault("addr", "?"),
                            "bells", String.valueOf(bells)));
                }
            }
        }
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("redis", redis);
        stats.put("streams", streams[0]);
        stats.put("entries", entries[0]);
        stats.put("memory_bytes", bytes[0]);
        stats.put("oldest_entry", oldest[0] == null ? null : oldest[0].toString());
        stats.put("newest_entry", newest[0] == null ? null : newest[0].toString());
        stats.put("hub_nodes", nodes);
        stats.put("node_heartbeats", heartbeats);
        if (json) {
            out.println(EntryLines.JSON.writeValueAsString(stats));
        }
        else {
            stats.forEach((name, value) -> {
                if (!name.equals("hub_nodes") && !name.equals("node_heartbeats")) {
                    out.printf("%-14s %s%n", name, value);
                }
            });
            if (nodes.isEmpty()) {
                out.println("hub nodes      no node has a stream open");
            }
            else {
                out.println("hub nodes      " + nodes.size() + " with streams open");
                nodes.forEach(node -> out.printf("  %-40s %-22s %s bells%n", node.get("name"), node.get("addr"),
                        node.get("bells")));
            }
            if (heartbeats.isEmpty()) {
                out.println("heartbeats     none (nodes older than the console, or none running)");
            }
            else {
                out.println("heartbeats     " + heartbeats.size());
                heartbeats.forEach((name, node) -> out.printf("  %-20s %s streams, %s users, live %s, draining %s%n",
                        name, node.path("streams").asString(""), node.path("users").asString(""),
                        node.path("live").asString(""), node.path("draining").asString("")));
            }
        }
        return 0;
    }

    private static long count(String value) {
        try {
            return Long.parseLong(value);
        }
        catch (NumberFormatException ex) {
            return 0;
        }
    }
}
