package dev.livehub.ops;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every hubctl command answers {@code --help} and {@code --version}, and its help never wraps a URL or a file name
 * in the middle (picocli breaks lines after {@code /} and {@code -} unless told where to break).
 */
class HubctlHelpTests {

    @Test
    void everyCommandTakesHelpAndVersionAndItsHelpKeepsUrlsAndFileNamesWhole() {
        List<String> commands = new java.util.ArrayList<>(List.of(""));
        commands.addAll(Hubctl.commandLine().getSubcommands().keySet());
        assertThat(commands).contains("stats", "inspect", "publish", "import", "replay", "trim", "delete", "export");
        for (String command : commands) {
            String help = run(command, "--help");
            assertThat(help).as("%s --help", command).startsWith("Usage: hubctl" + (command.isEmpty() ? "" : " " + command));
            assertThat(help).as("%s --help", command).contains("redis://localhost:6379", "redis://host:port");
            for (String line : help.lines().toList()) {
                assertThat(line).as("a line of %s --help", command).doesNotEndWith("redis:")
                    .doesNotMatch("^\\s*//.*").doesNotEndWith("42.").doesNotMatch("^\\s*jsonl.*");
            }
            assertThat(run(command, "--version")).as("%s --version", command).isEqualTo("hubctl 0.1.0\n");
        }
        assertThat(run("export", "--help")).contains("hubctl export 42 > 42.jsonl");
        assertThat(run("import", "--help")).contains("hubctl import 43 < 42.jsonl");
        assertThat(run("inspect", "--help")).contains("(jq .data.fields)");
    }

    private static String run(String command, String option) {
        StringWriter out = new StringWriter();
        CommandLine line = Hubctl.commandLine();
        line.setOut(new PrintWriter(out));
        int code = command.isEmpty() ? line.execute(option) : line.execute(command, option);
        assertThat(code).as("hubctl %s %s", command, option).isZero();
        return out.toString();
    }
}
