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

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
