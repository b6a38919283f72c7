package dev.livehub.ops;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

import dev.livehub.hub.testing.RedisClusterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * hubctl on a Redis Cluster: appends go where each user's slot lives, and scans visit every master.
 */
class HubctlOnRedisClusterIntegrationTests {

    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    private String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = Hubctl.commandLine();
        line.setOut(new PrintWriter(out, true));
        line.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("--redis", "redis://" + cluster.seed(), "--cluster"));
        all.addAll(List.of(args));
        assertThat(line.execute(all.toArray(String[]::new))).as(err.toString()).isZero();
        return out.toString();
    }

    @Test
    void usersAndStatsSeeTheStreamsOfEveryShard() throws Exception {
        List<Integer> masters = new ArrayList<>();
        for (int user = 0; user < 30; user++) {
            run("publish", "u" + user, "notif", "{\"n\":" + user + "}");
            masters.add(cluster.masterOf("hub:{u" + user + "}:events"));
        }
        assertThat(masters.stream().distinct().count()).as("the users spread over the shards").isEqualTo(3);
        assertThat(run("users", "--limit", "0")).contains("30 users");
        assertThat(run("inspect", "u7")).contains("{\"n\":7}");
        assertThat(run("stats", "--json")).contains("\"streams\":30").contains("\"entries\":30");
    }

    @Test
    void aClusterNodeGivenWithoutClusterIsSaidSoNotCountedInPart() {
        StringWriter err = new StringWriter();
        CommandLine line = Hubctl.commandLine();
        line.setOut(new PrintWriter(new StringWriter(), true));
        line.setErr(new PrintWriter(err, true));
        assertThat(line.execute("--redis", "redis://" + cluster.seed(), "stats")).isEqualTo(2);
        assertThat(err.toString()).contains("is a node of a Redis Cluster: add --cluster");
    }
}
