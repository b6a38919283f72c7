package dev.livehub.ops;

import java.io.PrintWriter;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every hubctl command has: the global options (Redis, prefix) of {@link Hubctl}, and its output streams.
 */
abstract class StoreCommand {

    @ParentCommand
    Hubctl hubctl;

    @Spec
    CommandSpec spec;

    Store store() {
        return hubctl.store();
    }

    /** The store of a command that writes: it says first, on stderr, which Redis it is about to change. */
    Store writingStore() {
        Store store = store();
        err().println("hubctl: writing to " + store.describe());
        err().flush();
        return store;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
