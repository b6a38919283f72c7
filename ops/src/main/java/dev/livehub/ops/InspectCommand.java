package dev.livehub.ops;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import dev.livehub.hub.EventId;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "A user's entries, as a table or as JSON lines.")
final class InspectCommand implements Callable<Integer> {

    @ParentCommand
    Hubctl hubctl;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "USER", description = "the user's hub id")
    String user;

    @Option(names = "--from", paramLabel = "ID", description = "first id (inclusive)")
    EventId from;

    @Option(names = "--to", paramLabel = "ID", description = "last id (inclusive)")
    EventId to;

    @Option(names = "--count", paramLabel = "N", defaultValue = "100",
            description = "at most N entries, 0 for all (default: ${DEFAULT-VALUE})")
    long count;

    @Option(names = "--event", paramLabel = "NAME", description = "only entries of this event")
    String event;

    @Option(names = "--json", description = "JSON lines instead of a table")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Store store = hubctl.store()) {
            String key = store.requireStream(user);
            if (!json) {
                out.printf("%-20s %-16s %s%n", "ID", "EVENT", "DATA");
            }
            long[] shown = { 0 };
            store.range(key, from, to, event == null ? count : 0, entry -> {
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
