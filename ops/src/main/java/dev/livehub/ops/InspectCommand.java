package dev.livehub.ops;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;


@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "A user's entries, as a table or as JSON lines.")
final class InspectCommand extends UserCommand implements Callable<Integer> {

    @Mixin
    IdRange range;

    @Option(names = "--count", paramLabel = "N", defaultValue = "100",
            description = "at most N entries, 0 for all (default: ${DEFAULT-VALUE})")
    long count;

    @Option(names = "--event", paramLabel = "NAME", description = "only entries of this event")
    String event;

    @Option(names = "--json", description = "JSON lines instead of a table")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = out();
        try (Store store = store()) {
            String key = store.requireStream(user);
            if (!json) {
                out.printf("%-20s %-16s %s%n", "ID", "EVENT", "DATA");
            }
            long[] shown = { 0 };
            store.range(key, range.from, range.to, event == null ? count : 0, entry -> {
                if ((event != null && !event.equals(entry.event())) || (count > 0 && shown[0] >= count)) {
                    return;
                }
                shown[0]++;
                out.println(json ? EntryLines.toLine(entry)
                        : String.format("%-20s %-16s %s", entry.id(), entry.event(), entry.data()));
            });
            if (!json) {
                out.println(shown[0] + " entries");
            }
        }
        return 0;
    }
}
