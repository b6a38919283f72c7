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
            .doesNotContain("For 1,000,000 streams")
            .contains("smaller than 50,000 streams")
            // No idle-sessions run among the results.
            .contains("| RSS per idle session stream, one node | not yet measured |");
    }

    @Test
    void aRunOfFiftyThousandStreamsProjectsAMillion() {
        JsonNode scale = json.readTree("""
                {"scenario":"scale","connections":50000,"rate":100,"processes":5,"users":5000,"connected":62501,
                 "dropped":12501,"lost":0,"duplicated":0,"latency_ms":{"p50":63.2,"p99":49315.8},
                 "failover":{"reconnected":12501},
                 "nodes":[{"streams":12501,"rss_before_bytes":1073741824,"bytes_per_stream":53199},
                          {"streams":12501,"rss_before_bytes":1048576000,"bytes_per_stream":53950},
                          {"streams":12500,"rss_before_bytes":1048576000,"bytes_per_stream":55756},
                          {"streams":12498,"rss_before_bytes":1048576000,"bytes_per_stream":53556}],
                 "redis":{"cpu_percent":4.3,"connected_clients":25}}""");
        JsonNode idle = json.readTree("""
                {"scenario":"idle","target":"app-sessions","server":{"bytes_per_connection":14878}}""");
        JsonNode luckier = json.readTree("""
                {"scenario":"idle","target":"app-sessions","server":{"bytes_per_connection":1310}}""");
        StringBuilder out = new StringBuilder();

        Scale.append(out, List.of(scale, luckier, idle));

        // 1,000,000 / 19,000 streams a node, rounded up, and one more; 1e6 x 14,878 B + 54 x 1 GiB = 67.9 GiB.
        assertThat(out).contains("| RSS per idle session stream, one node (highest of 2 runs) | 14 KiB |")
            .contains("| Redis connections for 4 nodes and the generator | 25 |")
            .contains("| nodes | 54 |").contains("| node memory in all | 68 GiB |")
            .contains("| events a second one Redis shard carries | 1628 |")
            .contains("| Redis connections | 378 |")
            .doesNotContain("smaller than 50,000 streams");
    }
}
