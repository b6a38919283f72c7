package dev.livehub.ops;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "delete", mixinStandardHelpOptions = true,
        description = "Deletes a user's stream. Their browsers get a reset at their next connection.")
final class DeleteCommand implements Callable<Integer> {

    @ParentCommand
    Hubctl hubctl;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "USER", description = "the user's hub id")
    String user;

    @Option(names = "--yes", description = "do not ask for confirmation")
    boolean yes;

    @Override
    public Integer call() {
        try (Store store = hubctl.store()) {
            String key = store.requireStream(user);
            Confirmation.require(yes, "Delete the stream of user " + user + " (" + key + ")?", Io.stdin.get(),
                    spec.commandLine().getErr());
            store.commands().del(key);
            spec.commandLine().getOut().println("deleted the stream of user " + user);
        }
        return 0;
    }
}
