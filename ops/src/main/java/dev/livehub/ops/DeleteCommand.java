package dev.livehub.ops;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Deletes a user's stream. Their browsers get a reset at their next connection.")
final class DeleteCommand extends UserCommand implements Callable<Integer> {

    @Option(names = "--yes", description = "do not ask for confirmation")
    boolean yes;

    @Override
    public Integer call() {
        try (Store store = writingStore()) {
            String key = store.requireStream(user);
            Confirmation.require(yes, "Delete the stream of user " + user + " (" + key + ")?", Io.stdin.get(),
                    err());
            store.commands().del(key);
            out().println("deleted the stream of user " + user);
        }
        return 0;
    }
}
