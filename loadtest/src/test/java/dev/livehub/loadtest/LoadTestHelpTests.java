package dev.livehub.loadtest;

import java.io.PrintWriter;
import java.io.StringWriter;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** Every loadtest scenario and tool answers {@code --help} and {@code --version}, and they exit 0. */
class LoadTestHelpTests {

    @Test
    void everySubcommandTakesHelpAndVersion() {
        assertThat(LoadTest.commandLine().getSubcommands()).containsKeys("steady", "idle", "storm", "failover", "fanout",
                "report", "naive-server");
        for (String command : LoadTest.commandLine().getSubcommands().keySet()) {
            StringWriter help = new StringWriter();
            CommandLine line = LoadTest.commandLine();
            line.setOut(new PrintWriter(help));
            assertThat(line.execute(command, "--help")).as("%s --help", command).isZero();
            assertThat(help.toString()).startsWith("Usage: loadtest " + command);
            StringWriter version = new StringWriter();
            line = LoadTest.commandLine();
            line.setOut(new PrintWriter(version));
            assertThat(line.execute(command, "--version")).as("%s --version", command).isZero();
            assertThat(version.toString()).isEqualTo("loadtest 0.1.0\n");
        }
    }
}
