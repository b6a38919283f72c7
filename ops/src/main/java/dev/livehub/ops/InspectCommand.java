package dev.livehub.ops;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import dev.livehub.hub.HubEvent;

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

    @Option(names = "--last", paramLabel = "N", description = "the newest N entries (oldest of them first)")
    Integer last;

    @Option(names = "--json", description = "JSON lines instead of a table")
    boolean json;

    @Option(names = "--data-json", description = { "with --json: data as a JSON value, not a string", "(jq .data.fields)" })
    boolean dataJson;

    @Override
    public Integer call() {
        if (dataJson && !json) {
            throw new HubctlException(2, "--data-json goes with --json");
        }
        if (last != null && (last < 1 || range.from != null || range.to != null)) {
            throw new HubctlException(2, "--last takes a count of 1 or more, and no --from/--to");
        }
        if (last != null && spec.commandLine().getParseResult().hasMatchedOption("--count")) {
            throw new HubctlException(2, "--last N shows the newest N entries; give --last or --count, not both");
        }
        if (count < 0) {
            throw new HubctlException(2, "--count takes 0 (all) or more, got " + count);
        }
        PrintWriter out = out();
        try (Store store = store()) {
            String key = store.requireStream(user);
            if (!json) {
                out.printf("%-20s %-16s %s%n", "ID", "EVENT", "DATA");
            }
            long[] shown = { 0 };
            java.util.function.Consumer<HubEvent> print = entry -> {
                if ((event != null && !event.equals(entry.event())) || (count > 0 && shown[0] >= count)) {
                    return;
                }
                shown[0]++;
                out.println(json ? (dataJson ? EntryLines.toDataJsonLine(entry) : EntryLines.toLine(entry))
                        : String.format("%-20s %-16s %s", entry.id(), entry.event(), entry.data()));
            };
            if (last != null) {
                store.last(key, last).forEach(print);
            }
            else {
                store.range(key, range.from, range.to, event == null ? count : 0, print);
            }
            if (!json) {
                out.println(shown[0] + " entries");
            }
        }
        return 0;
    }
}
