package dev.livehub.ops;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;


@Command(name = "export", mixinStandardHelpOptions = true,
        description = { "A user's entries as JSON lines on standard output.", "  hubctl export 42 > 42.jsonl" })
final class ExportCommand extends UserCommand implements Callable<Integer> {

    @Mixin
    IdRange range;

    @Override
    public Integer call() {
        PrintWriter out = out();
        long[] written = { 0 };
        try (Store store = store()) {
            store.range(store.requireStream(user), range.from, range.to, 0, entry -> {
                out.println(EntryLines.toLine(entry));
                written[0]++;
            });
        }
        out.flush();
        err().println("hubctl: exported " + written[0] + " entries of user " + user);
        return 0;
    }
}
