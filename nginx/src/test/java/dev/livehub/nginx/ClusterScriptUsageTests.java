package dev.livehub.nginx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code nginx/cluster}'s answers to help and bad options, which come before it starts anything: {@code --help}
 * prints the usage and succeeds, an unknown option is named as unknown (not as an option missing its value), and
 * ports past 65535 are refused.
 */
class ClusterScriptUsageTests {

    private static final Path SCRIPT = Path.of("..").toAbsolutePath().normalize().resolve("nginx/cluster");

    @Test
    void helpPrintsTheUsageAndSucceeds() throws Exception {
        for (List<String> help : List.of(List.of("--help"), List.of("up", "--help"), List.of("up", "-h"))) {
            Result result = run(help);
            assertThat(result.code()).as("cluster %s", help).isZero();
            assertThat(result.output()).as("cluster %s", help).contains("nginx/cluster up [--nodes N] [PORTS]");
        }
    }

    @Test
    void badOptionsAreNamedPrecisely() throws Exception {
        Result unknown = run(List.of("up", "--bogus"));
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.output()).startsWith("cluster: unknown option --bogus");
        Result missing = run(List.of("up", "--nodes"));
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.output()).startsWith("cluster: --nodes needs a value");
        Result tooHigh = run(List.of("up", "--nodes", "3", "--base-port", "65534"));
        assertThat(tooHigh.code()).isEqualTo(1);
        assertThat(tooHigh.output()).startsWith("cluster: --base-port 65534 leaves no room for 3 nodes");
    }

    private static Result run(List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("cluster %s ends", arguments).isTrue();
        return new Result(process.exitValue(), output);
    }

    private record Result(int code, String output) {
    }
}
