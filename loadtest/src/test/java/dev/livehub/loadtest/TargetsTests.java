package dev.livehub.loadtest;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import static org.assertj.core.api.Assertions.assertThat;

/** BENCHMARKS.md's targets: ratios of two results of the same run, one row per goal and run, nothing guessed. */
class TargetsTests {

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void aResultIsNamedAndNumberedByItsFileName() {
        JsonNode numbered = Report.named(Path.of("results/steady-hub-http.run2.json"), json.createObjectNode());
        JsonNode single = Report.named(Path.of("results/steady-hub-http.json"), json.createObjectNode());

        assertThat(numbered.path("name").asString()).isEqualTo("steady-hub-http");
        assertThat(numbered.path("run").asLong()).isEqualTo(2);
        assertThat(single.path("name").asString()).isEqualTo("steady-hub-http");
        assertThat(single.path("run").asLong()).isZero();
    }

    @Test
    void eachRunComparesItsOwnResultsAndSaysWhetherTheGoalIsMet() {
        List<JsonNode> results = List.of(
            steady("steady-hub-http", 1, 40, 1.5), steady("steady-nchan", 1, 30, 1.0),
            steady("steady-hub-http", 2, 60, 1.1), steady("steady-nchan", 2, 30, 1.0),
            // Run 3 has no Nchan result: its hub row is not compared with another run's peer.
            steady("steady-hub-http", 3, 10, 0.1));
        StringBuilder out = new StringBuilder();

        Targets.append(out, results);

        assertThat(out).contains("## Targets, run by run")
            .contains("| 1 | abc1234 | HTTP publish: hub CPU | 40 % | 30 % | 1.33x | ≤ 1.5x | yes |")
            .contains("| 1 | abc1234 | HTTP publish: p99 | 1.50 ms | 1 ms | 1.50x | ≤ 1.2x | **no** |")
            .contains("| 2 | abc1234 | HTTP publish: hub CPU | 60 % | 30 % | 2.00x | ≤ 1.5x | **no** |")
            .doesNotContain("| 3 |");
    }

    @Test
    void aBoundIsCheckedOnOneResult() {
        ObjectNode fanout = steady("fanout-hub-http", 0, 90, 57.1);
        fanout.put("lost", 100);
        StringBuilder out = new StringBuilder();

        Targets.append(out, List.of(fanout));

        assertThat(out).contains("| 0 | abc1234 | fan-out over HTTP: p99 | 57.10 ms | - | - | ≤ 100 | yes |")
            .contains("| 0 | abc1234 | fan-out over HTTP: lost + duplicated | 100 events | - | - | ≤ 0 | **no** |");
    }

    @Test
    void withoutComparableResultsThereIsNoSection() {
        StringBuilder out = new StringBuilder();

        Targets.append(out, List.of(steady("steady-hub-redis", 0, 25, 1.2)));

        assertThat(out).isEmpty();
    }

    private ObjectNode steady(String name, long run, double cpu, double p99) {
        ObjectNode result = json.createObjectNode();
        result.put("name", name).put("run", run).put("commit", "abc1234").put("scenario", "steady");
        result.putObject("server").put("cpu_percent_avg", cpu);
        result.putObject("latency_ms").put("p99", p99);
        return result;
    }
}
