package dev.livehub.ops;

import java.io.PrintWriter;
import java.io.StringWriter;

import picocli.CommandLine;

/** One hubctl run in this process: its exit code, standard output and standard error. */
record HubctlRun(int exit, String out, String err) {

    static HubctlRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = Hubctl.commandLine();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        return new HubctlRun(line.execute(args), out.toString(), err.toString());
    }
}
