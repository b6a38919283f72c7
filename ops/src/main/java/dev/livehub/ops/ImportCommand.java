package dev.livehub.ops;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.livehub.hub.Publication;
import dev.livehub.hub.engine.RedisEngine;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = { "Appends JSON lines from standard input to a user's stream, with new ids, as the hub's nodes "
                + "append (connected browsers receive them).", "  hubctl import 43 < 42.jsonl",
                "Every line is checked first: on a bad line nothing is written, unless --skip-bad." })
final class ImportCommand extends UserCommand implements Callable<Integer> {

    @Option(names = "--skip-bad", description = "skip malformed lines (each is reported) instead of stopping")
    boolean skipBad;

    @Override
    public Integer call() throws IOException {
        Publication.requireUserId(user);
        PrintWriter err = err();
        List<EntryLines.Parsed> entries = new ArrayList<>();
        int lineNumber = 0;
        int skipped = 0;
        try (BufferedReader in = Io.stdin.get()) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    entries.add(EntryLines.parse(line));
                }
                catch (IllegalArgumentException ex) {
                    if (!skipBad) {
                        throw new HubctlException(2, "line " + lineNumber + ": " + ex.getMessage()
                                + "; nothing was imported (--skip-bad skips such lines)");
                    }
                    err.println("hubctl: skipped line " + lineNumber + ": " + ex.getMessage());
                    skipped++;
                }
            }
        }
        try (Store store = writingStore(); RedisEngine engine = store.engine(err())) {
            engine.start((u, entry) -> { });
            for (EntryLines.Parsed entry : entries) {
                engine.append(List.of(user), Publication.of(entry.event(), entry.data()));
            }
        }
        out().println("imported " + entries.size() + " entries into user " + user
                + (skipped > 0 ? " (" + skipped + " lines skipped)" : ""));
        return 0;
    }
}
