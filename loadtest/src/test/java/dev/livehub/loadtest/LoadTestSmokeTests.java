package dev.livehub.loadtest;

import java.net.URI;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.livehub.hub.testing.RedisServerExtension;
import dev.livehub.hub.starter.StarterApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The load generator's smoke run against a real hub node (the starter app: the hub and nothing else) on a real Redis: small numbers (200 connections, 10 s),
 * asserting correctness (every subscriber connected, every event delivered once), never speed. Speed is measured by
 * the benchmarks (BENCHMARKS.md).
 */
@SpringBootTest(classes = StarterApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "hub.token.secret=" + LoadTestSmokeTests.SECRET, "hub.publish.token=smoke-publish",
        "hub.connect-rate.burst=10000", "hub.stream-port=0" })
class LoadTestSmokeTests {

    static final String SECRET = "loadtest-smoke-secret-of-32-bytes-or-more";

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        redis.useForTheHub(registry);
    }

    @LocalServerPort
    int port;

    @org.springframework.beans.factory.annotation.Autowired
    dev.livehub.hub.netty.NettyStreamServer nettyStreams;

    private LoadTest.Options options(String publish) {
        LoadTest.Options options = new LoadTest.Options();
        options.target = "hub";
        options.url = URI.create("http://127.0.0.1:" + port);
        options.connections = 200;
        options.users = 100;
        options.duration = 10;
        options.warmup = 1;
        options.publish = publish;
        options.redis = redis.uri();
        options.prefix = "hub";
        options.tokenSecret = SECRET;
        options.publishToken = "smoke-publish";
        options.sourceAddresses = 2;
        options.connectRate = 500;
        options.serverPid = java.util.List.of(ProcessHandle.current().pid());
        return options;
    }

    @Test
    void steadyOverHttpDeliversEveryEventOnceToEverySubscriber() throws Exception {
        Map<String, Object> result = new Run("steady", options("http"), 50, 1).measure(System.out);

        assertThat(result).containsEntry("connected", 200L).containsEntry("failed_connects", 0L)
            .containsEntry("dropped", 0L).containsEntry("published", 550L).containsEntry("publish_failures", 0L)
            .containsEntry("lost", 0L).containsEntry("duplicated", 0L).containsEntry("out_of_order", 0L);
        // Two subscribers per user: every event is delivered twice.
        assertThat(result.get("delivered")).isEqualTo(1100L);
    }

    @Test
    void steadyOverHttpBatchesDeliversEveryEventOnceToEverySubscriber() throws Exception {
        LoadTest.Options options = options("http-batch");
        options.duration = 3;
        Map<String, Object> result = new Run("steady", options, 100, 1).measure(System.out);

        assertThat(result).containsEntry("published", 400L).containsEntry("publish_failures", 0L)
            .containsEntry("lost", 0L).containsEntry("duplicated", 0L).containsEntry("out_of_order", 0L);
        assertThat(result.get("delivered")).isEqualTo(800L);
    }

    @Test
    void fanoutThroughRedisDeliversEveryEventToEveryUserOfItsGroup() throws Exception {
        Map<String, Object> result = new Run("fanout", options("redis"), 5, 50).measure(System.out);

        assertThat(result).containsEntry("connected", 200L).containsEntry("published", 55L)
            .containsEntry("lost", 0L).containsEntry("duplicated", 0L);
        // 55 events, each to the 50 users of a group, each user with 2 subscribers.
        assertThat(result.get("delivered")).isEqualTo(55L * 50 * 2);
        assertThat(((Map<?, ?>) result.get("redis")).get("connected_clients")).isNotNull();
    }

    @Test
    void aStormOfReconnectsWithLastEventIdCatchesEveryoneUpWithNothingLostOrTwice() throws Exception {
        LoadTest.Options options = options("redis");
        options.duration = 2;
        Map<String, Object> result = new Run("storm", options, 50, 1).storm(5, 0, false).measure(System.out);

        assertThat(result).containsEntry("lost", 0L).containsEntry("duplicated", 0L).containsEntry("dropped", 0L);
        Map<?, ?> storm = (Map<?, ?>) result.get("storm");
        assertThat(storm.get("reconnected")).isEqualTo(200L);
        assertThat(storm.get("missing_at_end")).isEqualTo(0L);
    }

    @Test
    void aStormWithCompactionOwesEachClientTheLatestStateOfEveryRecordAndSendsLess() throws Exception {
        LoadTest.Options options = options("redis");
        options.duration = 2;
        // 60 updates of 3 records per user while away: past hub.compact-above (50), so each comes back folded.
        Map<String, Object> result = new Run("storm", options, 1000, 1).storm(60, 3, true).measure(System.out);

        assertThat(result).containsEntry("lost", 0L).containsEntry("duplicated", 0L).containsEntry("dropped", 0L)
            .containsEntry("target", "hub/redis +compact");
        Map<?, ?> storm = (Map<?, ?>) result.get("storm");
        assertThat(storm.get("missing_at_end")).isEqualTo(0L);
        // 200 clients, each owed 3 records: at most 3 events each instead of 60.
        assertThat((Long) storm.get("delivered")).isBetween(1L, 200L * 3);
    }

    @Test
    void theSameRecordsWithoutCompactionAreReplayedEventByEvent() throws Exception {
        LoadTest.Options options = options("redis");
        options.duration = 2;
        // What compaction is measured against: the same 60 updates of 3 records per user, every one sent and owed.
        Map<String, Object> result = new Run("storm", options, 1000, 1).storm(60, 3, false).measure(System.out);

        assertThat(result).containsEntry("lost", 0L).containsEntry("duplicated", 0L).containsEntry("dropped", 0L)
            .containsEntry("target", "hub/redis");
        Map<?, ?> storm = (Map<?, ?>) result.get("storm");
        assertThat(storm.get("missing_at_end")).isEqualTo(0L);
        assertThat((Long) storm.get("delivered")).isGreaterThanOrEqualTo(200L * 60);
        assertThat(storm.get("records")).isEqualTo(3);
        assertThat(storm.get("compact")).isEqualTo(false);
    }

    @Test
    void theNaivePeerServesTheSameStreamsWithOneRedisConnectionEach() throws Exception {
        NaiveServer naive = new NaiveServer();
        naive.port = 0;
        naive.redis = redis.uri();
        naive.prefix = "naive";
        naive.tokenSecret = SECRET;
        com.sun.net.httpserver.HttpServer server = naive.start();
        try {
            LoadTest.Options options = options("redis");
            options.target = "naive";
            options.prefix = "naive";
            options.url = URI.create("http://127.0.0.1:" + naive.port);
            options.duration = 3;
            Map<String, Object> result = new Run("steady", options, 50, 1).measure(System.out);

            assertThat(result).containsEntry("target", "naive").containsEntry("connected", 200L)
                .containsEntry("lost", 0L).containsEntry("duplicated", 0L).containsEntry("out_of_order", 0L);
            assertThat(result.get("delivered")).isEqualTo(400L);
            // One Redis connection per stream: what the hub's design avoids.
            assertThat((Long) ((Map<?, ?>) result.get("redis")).get("connected_clients")).isGreaterThanOrEqualTo(200L);
        }
        finally {
            server.stop(0);
            naive.close();
        }
    }

    @Test
    void streamsFromTheNettyPortDeliverEveryEventOnce() throws Exception {
        LoadTest.Options options = options("redis");
        options.url = URI.create("http://127.0.0.1:" + nettyStreams.port());
        Map<String, Object> result = new Run("steady", options, 50, 1).measure(System.out);

        assertThat(result).containsEntry("connected", 200L).containsEntry("failed_connects", 0L)
            .containsEntry("dropped", 0L).containsEntry("lost", 0L).containsEntry("duplicated", 0L)
            .containsEntry("out_of_order", 0L);
        assertThat(result.get("delivered")).isEqualTo(1100L);
    }

    @Test
    void idleConnectionsSpreadOverHelperProcessesAreAllCounted() throws Exception {
        LoadTest.Options options = options("redis");
        options.duration = 1;
        Map<String, Object> result = new Run("idle", options, 0, 1).processes(2).measure(System.out);

        // This process's 100 and the helper's 100, the helper's counted from its report.
        assertThat(result).containsEntry("connected", 200L).containsEntry("failed_connects", 0L);
    }
}
