package dev.livehub.loadtest;

import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** BENCHMARKS.md's scale section and million-stream projection take their figures from result files only. */
class ScaleTests {

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void withoutRunsEveryFigureOfTheProjectionIsMarkedNotYetMeasured() {
        StringBuilder out = new StringBuilder();

        Scale.append(out, List.of());

        assertThat(out).doesNotContain("## scale").contains("## A million streams: how to project");
        assertThat(out.toString().split("not yet measured", -1)).hasSize(6);
    }

    @Test
    void aScaleRunFillsItsRowAndTheProjectionFromItsFigures() {
        JsonNode scale = json.readTree("""
                {"scenario":"scale","connections":600,"rate":60,"processes":3,"users":30,"connected":801,
                 "dropped":201,"lost":0,"duplicated":0,"latency_ms":{"p50":17.1,"p99":1457.2},
                 "failover":{"reconnected":201},
                 "nodes":[{"streams":201,"bytes_per_stream":71608},{"streams":200,"bytes_per_stream":50380},
                          {"streams":199,"bytes_per_stream":85583}],
                 "redis":{"cpu_percent":0.9,"connected_clients":14}}""");
        StringBuilder out = new StringBuilder();

        Scale.append(out, List.of(scale));

        assertThat(out).contains("## scale").contains("| 600 | 30 | 60 | 801 | 201 / 200 / 199 | 69 KiB / 49 KiB / 83 KiB |")
            .contains("| streams per node held at once (most loaded node) | 201 |")
            .contains("| RSS per stream under load (highest node) | 83 KiB |")
            .contains("| Redis connections for 3 nodes and the generator | 14 |")
            .contains("smaller than 50,000 streams")
            // No idle-sessions run among the results.
            .contains("| RSS per idle session stream, one node | not yet measured |");
    }
}
