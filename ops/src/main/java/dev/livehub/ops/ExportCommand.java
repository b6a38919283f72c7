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

@Command(name = "export", mixinStandardHelpOptions = true,
        description = "A user's entries as JSON lines on standard output: hubctl export 42 > 42.jsonl")
final class ExportCommand implements Callable<Integer> {

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

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        long[] written = { 0 };
        try (Store store = hubctl.store()) {
            store.range(store.requireStream(user), from, to, 0, entry -> {
                out.println(EntryLines.toLine(entry));
                written[0]++;
            });
        }
        out.flush();
        spec.commandLine().getErr().println("hubctl: exported " + written[0] + " entries of user " + user);
        return 0;
    }
}
