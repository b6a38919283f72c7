package dev.livehub.ops;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.livehub.hub.EventId;

@Command(name = "users", mixinStandardHelpOptions = true,
        description = "The users that have a stream: length, first and last id, age of the last entry, memory. "
                + "Uses SCAN, never KEYS; on a cluster, every master.")
final class UsersCommand extends StoreCommand implements Callable<Integer> {

    @Option(names = "--match", paramLabel = "PATTERN", defaultValue = "*",
            description = "users whose id matches this glob (default: all)")
    String match;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
            description = "list at most N users, 0 for all (all are counted) (default: ${DEFAULT-VALUE})")
    int limit;

    @Override
    public Integer call() {
        if (limit < 0) {
            throw new HubctlException(2, "--limit takes 0 (all) or more, got " + limit);
        }
        PrintWriter out = out();
        PrintWriter err = err();
        long now = System.currentTimeMillis();
        long[] total = { 0 };
        try (Store store = store()) {
            out.printf("%-24s %8s %-16s %-16s %10s %10s%n", "USER", "LENGTH", "FIRST", "LAST", "LAST AGE", "BYTES");
            store.scanStreams(match, key -> {
                total[0]++;
                if (limit > 0 && total[0] > limit) {
                    return;
                }
                Map<String, Object> info = store.info(key);
                String last = String.valueOf(info.get("last-generated-id"));
                Long bytes = store.commands().memoryUsage(key);
                out.printf("%-24s %8s %-16s %-16s %10s %10s%n", store.keys().userOf(key), info.get("length"),
                        firstId(info), last, age(now, last), bytes == null ? "?" : bytes);
            }, seen -> {
                err.println("hubctl: " + seen + " streams scanned...");
                err.flush();
            });
        }
        String shown = limit > 0 && total[0] > limit ? " (" + limit + " shown; --limit 0 for all)" : "";
        out.println(total[0] + " users" + shown);
        return 0;
    }

    private static String firstId(Map<String, Object> info) {
        Object first = info.get("first-entry");
        return first instanceof java.util.List<?> entry && !entry.isEmpty() ? String.valueOf(entry.getFirst()) : "-";
    }

    static String age(long now, String id) {
        try {
            EventId last = EventId.parse(id);
            if (last.equals(EventId.ZERO)) {
                return "-";
            }
            Duration age = Duration.ofMillis(Math.max(0, now - last.ms()));
            return age.toDays() > 0 ? age.toDays() + "d" : age.toHours() > 0 ? age.toHours() + "h"
                    : age.toMinutes() > 0 ? age.toMinutes() + "m" : age.toSeconds() + "s";
        }
        catch (IllegalArgumentException ex) {
            return "?";
        }
    }
}
