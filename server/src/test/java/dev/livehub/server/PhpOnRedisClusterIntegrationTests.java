package dev.livehub.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.livehub.hub.engine.RedisKeys;
import dev.livehub.hub.testing.RedisClusterExtension;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code LiveHub::publishRedis} with phpredis's {@code RedisCluster}, against a hub on a real 3-master Redis Cluster:
 * users whose keys live in different hash slots (on different masters) are grouped by slot, one {@code FCALL} per
 * slot, and each user's browser gets the event; the PHP slot function agrees with {@code CLUSTER KEYSLOT}.
 */
@SpringBootTest(classes = HubServer.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "hub.token.secret=" + PhpExamplesIntegrationTests.SECRET, "hub.engine=redis" })
class PhpOnRedisClusterIntegrationTests {

    @RegisterExtension
    static final RedisClusterExtension cluster = new RedisClusterExtension();

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.cluster.nodes", cluster::seed);
    }

    @LocalServerPort
    int port;

    @Test
    void usersOnSeveralMastersAreEachToldWithOneCallPerSlot() throws Exception {
        List<String> users = List.of("42", "43", "44", "45", "Mary Ann", "josé");
        Set<Integer> masters = new HashSet<>();
        for (String user : users) {
            masters.add(cluster.masterOf(new RedisKeys("hub").stream(user)));
        }
        assertThat(masters).as("the users' keys are spread over several masters").hasSizeGreaterThan(1);

        List<SseClient> browsers = new ArrayList<>();
        try {
            for (String user : users) {
                SseClient browser = SseClient.open("http://localhost:" + port + "/stream/app?token="
                        + TestTokens.hs256(PhpExamplesIntegrationTests.SECRET, user, Duration.ofMinutes(5)), Map.of());
                assertThat(browser.status()).as(browser.errorBody()).isEqualTo(200);
                browser.events().awaitFirst("ready", Duration.ofSeconds(10));
                browsers.add(browser);
            }
            PhpExamplesIntegrationTests.Result published = php("publish-redis", String.join(",", users), "notif",
                    "{\"unread\":9}", "cluster-publish-1");
            assertThat(published.exit()).as(published.errors()).isZero();
            for (int i = 0; i < users.size(); i++) {
                String id = browsers.get(i).events().awaitPublished(1, Duration.ofSeconds(10)).getFirst().id();
                assertThat(published.output()).as(users.get(i)).contains("\":\"" + id + "\"");
            }
        }
        finally {
            browsers.forEach(SseClient::close);
        }
    }

    @Test
    void aUserWhosePublishIdWasUsedIsNamedAndTheOthersStillGetTheEvent() throws Exception {
        assertThat(php("publish-redis", "c1", "notif", "{\"x\":1}", "cluster-reused").exit()).isZero();
        // c1 first: its one-key call is refused, and the users of the other slots are still appended.
        PhpExamplesIntegrationTests.Result partly = php("publish-redis", "c1,c4,c5", "notif", "{\"x\":2}",
                "cluster-reused");
        assertThat(partly.exit()).isEqualTo(1);
        assertThat(partly.errors()).contains("refused users c1", "was used for", "appended for", "\"c4\":",
                "\"c5\":");
    }

    private PhpExamplesIntegrationTests.Result php(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("php",
                PhpExamplesIntegrationTests.EXAMPLES.resolve("livehub-cli.php").toString()));
        command.addAll(List.of(args));
        return PhpExamplesIntegrationTests.run(command, Map.of("REDIS_CLUSTER", cluster.seed()));
    }

    @Test
    void phpsSlotIsTheClustersSlot() throws Exception {
        List<String> keys = List.of("123456789", "hub:{42}:events", "hub:{Mary%20Ann}:events", "foo{}{bar}",
                "{user1000}.following", "plain");
        for (String key : keys) {
            PhpExamplesIntegrationTests.Result slot = PhpExamplesIntegrationTests.run(List.of("php", "-r",
                    "require '" + PhpExamplesIntegrationTests.EXAMPLES.resolve("LiveHub.php") + "'; echo LiveHub::slot("
                            + "$argv[1]);", "--", key), Map.of());
            PhpExamplesIntegrationTests.Result expected = PhpExamplesIntegrationTests.run(List.of("redis-cli", "-p",
                    Integer.toString(cluster.ports().getFirst()), "CLUSTER", "KEYSLOT", key), Map.of());
            assertThat(slot.output()).as(key).isEqualTo(expected.output().strip());
        }
    }
}
