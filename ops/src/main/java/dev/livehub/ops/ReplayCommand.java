package dev.livehub.ops;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.livehub.hub.EventId;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.Publication;
import dev.livehub.hub.Replayed;
import dev.livehub.hub.engine.RedisEngine;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Appends chosen entries again, as new entries, so connected browsers receive them again. "
                + "Each keeps its original id in its data as \"replayed_from\".")
final class ReplayCommand extends UserCommand implements Callable<Integer> {

    @Option(names = "--from", paramLabel = "ID", required = true, description = "first id to replay (inclusive)")
    EventId from;

    @Option(names = "--to", paramLabel = "ID", description = "last id to replay (inclusive)")
    EventId to;

    @Option(names = "--event", paramLabel = "NAME", description = "only entries of this event")
    String event;

    @Option(names = "--dry-run", description = "show what would be replayed; change nothing")
    boolean dryRun;

    @Option(names = "--yes", description = "do not ask for confirmation")
    boolean yes;

    @Override
    public Integer call() {
        PrintWriter out = out();
        try (Store store = dryRun ? store() : writingStore()) {
            List<HubEvent> chosen = new ArrayList<>();
            store.range(store.requireStream(user), from, to, 0, entry -> {
                if (event == null || event.equals(entry.event())) {
                    chosen.add(entry);
                }
            });
            chosen.forEach(entry -> out.printf("%-20s %-16s %s%n", entry.id(), entry.event(), entry.data()));
            if (dryRun) {
                out.println(chosen.size() + " entries would be replayed (dry run: nothing changed)");
                return 0;
            }
            if (chosen.isEmpty()) {
                out.println("no entries to replay");
                return 0;
            }
            Confirmation.require(yes, "Replay these " + chosen.size() + " entries to user " + user + "?",
                    Io.stdin.get(), err());
            try (RedisEngine engine = store.engine(err())) {
                engine.start((u, entry) -> { });
                for (HubEvent entry : chosen) {
                    engine.append(List.of(user), Publication.of(entry.event(), replayed(entry)));
                }
            }
            out.println("replayed " + chosen.size() + " entries to user " + user);
        }
        return 0;
    }

    /** The entry's data with {@code "replayed_from"}, as the console replays it. */
    static String replayed(HubEvent entry) {
        return Replayed.data(entry);
    }
}
