package dev.livehub.hub.autoconfigure;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.tracing.MicrometerTracing;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.transaction.PlatformTransactionManager;

import dev.livehub.hub.CrudBus;
import dev.livehub.hub.outbox.JdbcOutbox;
import dev.livehub.hub.Hub;
import dev.livehub.hub.engine.Engine;
import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.admission.SessionStreams;
import dev.livehub.hub.engine.RedisEngine;
import dev.livehub.hub.netty.NettyStreamServer;
import dev.livehub.hub.testing.RedisServerExtension;
import dev.livehub.hub.admission.HubUserResolver;
import dev.livehub.hub.web.PublishEndpoint;
import dev.livehub.hub.web.StreamEndpoint;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wiring: memory engine by default, Redis engine by property, endpoints only in a servlet web application, and
 * every bean backing off for one of the application's.
 */
@ExtendWith(OutputCaptureExtension.class)
class HubAutoConfigurationTests {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(HubAutoConfiguration.class));

    @Test
    void theDefaultIsTheMemoryEngineWithAHubAndACrudBusAndNoEndpointsOutsideTheWeb() {
        runner.run(context -> {
            assertThat(context).hasSingleBean(Hub.class).hasSingleBean(CrudBus.class);
            assertThat(context.getBean(Engine.class)).isInstanceOf(MemoryEngine.class);
            assertThat(context).doesNotHaveBean(StreamEndpoint.class);
        });
    }

    @Test
    void theOutboxIsWiredIntoTheCrudBusOnlyWhenTurnedOnAndThenNeedsADataSource() {
        runner.run(context -> assertThat(context).hasSingleBean(CrudBus.class).doesNotHaveBean(JdbcOutbox.class));
        ApplicationContextRunner withDatabase = runner
            .withBean(DataSource.class, SimpleDriverDataSource::new)
            .withBean(PlatformTransactionManager.class,
                    () -> new DataSourceTransactionManager(new SimpleDriverDataSource()));
        withDatabase.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(JdbcOutbox.class)
            .doesNotHaveBean(OutboxRelay.class));
        withDatabase.withPropertyValues("hub.outbox.enabled=true", "hub.outbox.sweep-interval=1h")
            .run(context -> assertThat(context).hasNotFailed().hasSingleBean(JdbcOutbox.class)
                .hasSingleBean(OutboxRelay.class).hasSingleBean(CrudBus.class));
        runner.withPropertyValues("hub.outbox.enabled=true")
            .run(context -> assertThat(context).hasFailed().getFailure()
                .hasMessageContaining("DataSource"));
    }

    @Test
    void hubEngineRedisUsesSpringDataRedisConnectionSettings() {
        runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
            .withPropertyValues("hub.engine=redis", "spring.data.redis.host=127.0.0.1",
                    "spring.data.redis.port=" + redis.port())
            .run(context -> {
                assertThat(context).hasNotFailed();
                assertThat(context.getBean(Engine.class)).isInstanceOf(RedisEngine.class);
                assertThat(redis.commands().clientList()).contains("name=hub-node:");
            });
    }

    @Test
    void sessionsInRedisExpireAfterTheApplicationsTimeoutBySpringBootsRule() {
        ApplicationContextRunner sessions = runner
            .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
                    HubRedisSessionsAutoConfiguration.class))
            .withPropertyValues("hub.engine=redis", "spring.data.redis.host=127.0.0.1",
                    "spring.data.redis.port=" + redis.port());
        sessions.withPropertyValues("server.servlet.session.timeout=60s")
            .run(context -> assertThat(idleTimeout(context)).isEqualTo(java.time.Duration.ofSeconds(60)));
        sessions.withPropertyValues("server.servlet.session.timeout=60s", "spring.session.timeout=90")
            .run(context -> assertThat(idleTimeout(context)).isEqualTo(java.time.Duration.ofSeconds(90)));
        sessions.run(context -> assertThat(idleTimeout(context)).isEqualTo(java.time.Duration.ofMinutes(30)));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theSessionCheckCountsAThousandSessionsInOneCommandAndAsksWhichOnlyWhenSomeAreGone() {
        runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class,
                HubRedisSessionsAutoConfiguration.class))
            .withPropertyValues("hub.engine=redis", "spring.data.redis.host=127.0.0.1",
                    "spring.data.redis.port=" + redis.port())
            .run(context -> {
                org.springframework.session.SessionRepository<org.springframework.session.Session> repository =
                        context.getBean(org.springframework.session.SessionRepository.class);
                java.util.List<String> live = new java.util.ArrayList<>();
                for (int i = 0; i < 1200; i++) {
                    org.springframework.session.Session session = repository.createSession();
                    repository.save(session);
                    live.add(session.getId());
                }
                String signedOut = live.remove(7);
                repository.deleteById(signedOut);
                String expired = live.remove(1100);
                redis.commands().del("spring:session:sessions:" + expired);
                java.util.List<String> asked = new java.util.ArrayList<>(live);
                asked.add(signedOut);
                asked.add(expired);
                asked.add("never-was");
                SessionStreams.SessionCheck check = context.getBean(SessionStreams.SessionCheck.class);
                // All there (what a node finds almost every time): one EXISTS of many keys a batch of 1,000.
                long before = redis.calls("exists");
                assertThat(check.gone(live)).isEmpty();
                assertThat(redis.calls("exists") - before).isEqualTo(2);
                assertThat(check.gone(asked)).containsExactlyInAnyOrder(signedOut, expired, "never-was");
                assertThat(check.exists(live.getFirst())).isTrue();
                // One session, gone: its count of 0 says so, no EXISTS per key after it.
                long single = redis.calls("exists");
                assertThat(check.exists(signedOut)).isFalse();
                assertThat(redis.calls("exists") - single).isEqualTo(1);
            });
    }

    @SuppressWarnings("unchecked")
    private static java.time.Duration idleTimeout(org.springframework.context.ApplicationContext context) {
        org.springframework.session.SessionRepository<org.springframework.session.Session> repository =
                context.getBean(org.springframework.session.SessionRepository.class);
        org.springframework.session.Session session = repository.createSession();
        repository.save(session);
        // The TTL Redis holds, not only the session's field: what expires the session on every node.
        assertThat(redis.commands().ttl("spring:session:sessions:" + session.getId()))
            .isBetween(session.getMaxInactiveInterval().toSeconds() - 5, session.getMaxInactiveInterval().toSeconds());
        return session.getMaxInactiveInterval();
    }

    @Test
    void aNodeWhoseRedisIsUnreachableAtStartFailsSayingSoAndWhatToDo() throws Exception {
        int nothingListens = RedisServerExtension.freePort();
        runner.withPropertyValues("hub.engine=redis")
            .withBean(RedisConnectionFactory.class, () -> new LettuceConnectionFactory("127.0.0.1", nothingListens))
            .run(context -> assertThat(context.getStartupFailure()).hasStackTraceContaining(
                    "Redis is unreachable at start").hasStackTraceContaining("starts only when Redis answers"));
    }

    @Test
    void hubEngineRedisRunsOnTheApplicationsOwnConnectionFactoryAndSaysSo(CapturedOutput output) {
        runner.withPropertyValues("hub.engine=redis", "spring.data.redis.port=1")
            .withBean(RedisConnectionFactory.class, () -> new LettuceConnectionFactory("127.0.0.1", redis.port()))
            .run(context -> {
                assertThat(context).hasNotFailed();
                context.getBean(Hub.class).publish(java.util.List.of("own-factory"),
                        dev.livehub.hub.Publication.of("notif", "{}"));
                assertThat(redis.commands().exists("hub:{own-factory}:events")).isOne();
                assertThat(output).contains("The hub uses the application's Redis (LettuceConnectionFactory, "
                        + "redis://127.0.0.1:" + redis.port() + "/0)");
                // Lettuce's default client resources, which back off to 30 s between reconnects: said, with the fix.
                assertThat(output).contains("The application's Lettuce client backs off reconnects up to 30 s",
                        "LettuceClientConfiguration.builder().clientResources(resources)");
            });
        assertThat(redis.commands().clientList()).doesNotContain("name=hub-node:");
    }

    /**
     * Without a Lettuce connection factory the hub builds its own client, on the application's ClientResources (Spring
     * Boot's carry the Lettuce observations behind its Redis command metrics), and leaves them running when it stops.
     */
    @Test
    void itsOwnClientSharesTheApplicationsClientResourcesSoTheirObservationsSeeItsCommands() {
        List<String> operations = new CopyOnWriteArrayList<>();
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }

            @Override
            public void onStop(Observation.Context context) {
                KeyValue operation = context.getLowCardinalityKeyValue("db.operation");
                if (operation != null) {
                    operations.add(operation.getValue());
                }
            }
        });
        ClientResources application = ClientResources.builder()
            .tracing(new MicrometerTracing(observations, "Redis"))
            .build();
        try {
            runner.withPropertyValues("hub.engine=redis")
                .withBean(ClientResources.class, () -> application)
                .withBean(DataRedisConnectionDetails.class, () -> new DataRedisConnectionDetails() {
                    @Override
                    public Standalone getStandalone() {
                        return Standalone.of("127.0.0.1", redis.port());
                    }
                })
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    context.getBean(Hub.class).publish(List.of("own-client"),
                            dev.livehub.hub.Publication.of("notif", "{}"));
                    assertThat(redis.commands().exists("hub:{own-client}:events")).isOne();
                    assertThat(operations).as("commands the application's observations saw")
                        .contains("EVALSHA", "FUNCTION");
                });
            assertThat(application.eventExecutorGroup().isShuttingDown()).as("the application's resources shut down")
                .isFalse();
        }
        finally {
            application.shutdown();
        }
    }

    @Test
    void hubEngineRedisWithoutSpringDataRedisStopsTheStartWithTheDependencyToAdd() {
        runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.data.redis"))
            .withPropertyValues("hub.engine=redis")
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("add org.springframework.boot:spring-boot-starter-data-redis"));
    }

    @Test
    void hubEnabledFalseTurnsTheHubOffAndLeavesABusThatPublishesNothing() {
        new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(HubAutoConfiguration.class, HubOffAutoConfiguration.class))
            .withPropertyValues("hub.enabled=false", "hub.engine=redis")
            .run(context -> {
                assertThat(context).hasNotFailed().doesNotHaveBean(Hub.class).doesNotHaveBean(Engine.class)
                    .doesNotHaveBean(StreamEndpoint.class).hasSingleBean(CrudBus.class);
                context.getBean(CrudBus.class).publishToUsers(java.util.List.of("7"), "crud.update",
                        java.util.Map.of("id", 1));
                assertThat(context.getBean(dev.livehub.hub.PagePosition.class).lastId("7")).isNull();
            });
    }

    @Test
    void aServletWebApplicationGetsTheEndpoints() {
        new WebApplicationContextRunner().withConfiguration(AutoConfigurations.of(HubAutoConfiguration.class))
            .run(context -> assertThat(context).hasSingleBean(StreamEndpoint.class)
                .hasSingleBean(PublishEndpoint.class)
                .hasSingleBean(HubUserResolver.class));
    }

    @Test
    void theApplicationsOwnBeansWin() {
        HubUserResolver own = request -> "fixed";
        new WebApplicationContextRunner().withConfiguration(AutoConfigurations.of(HubAutoConfiguration.class))
            .withBean(HubUserResolver.class, () -> own)
            .run(context -> assertThat(context.getBean(HubUserResolver.class)).isSameAs(own));
    }

    @Test
    void aTokenConfigurationThatCannotWorkStopsTheStartWithTheReason() {
        WebApplicationContextRunner web = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(HubAutoConfiguration.class));
        web.withPropertyValues("hub.token.secret=too-short")
            .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("at least 32"));
        web.withPropertyValues("hub.token.secret=" + "s".repeat(32), "hub.token.public-key=/etc/key.pem")
            .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("not both"));
        web.withPropertyValues("hub.token.public-key=/no/such/key.pem")
            .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("/no/such/key.pem"));
    }

    @Test
    void onRedisTheStreamPortServesOnTheRedisClientsEventLoops() {
        runner.withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
            .withPropertyValues("hub.engine=redis", "spring.data.redis.host=127.0.0.1",
                    "spring.data.redis.port=" + redis.port(), "hub.stream-port=0", "hub.stream-address=127.0.0.1",
                    "hub.token.secret=" + "s".repeat(32))
            .run(context -> {
                NettyStreamServer server = context.getBean(NettyStreamServer.class);
                assertThat(server.sharesEventLoops()).isTrue();
                // The port answers on those loops: a stream without a token is refused with the contract's 401.
                try (HttpClient http = HttpClient.newHttpClient()) {
                    HttpResponse<String> refused = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.port() + "/stream/app")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(refused.statusCode()).isEqualTo(401);
                }
            });
        // Without Redis the port keeps loops of its own.
        runner.withPropertyValues("hub.stream-port=0", "hub.stream-address=127.0.0.1",
                "hub.token.secret=" + "s".repeat(32))
            .run(context -> assertThat(context.getBean(NettyStreamServer.class).sharesEventLoops()).isFalse());
    }

    @Test
    void aStreamPortStartsTheNettyListenerWhichNeedsTokensOrSessionsAndNettysHttpCodec() {
        runner.withPropertyValues("hub.stream-port=0", "hub.stream-address=127.0.0.1",
                "hub.token.secret=" + "s".repeat(32))
            .run(context -> assertThat(context.getBean(dev.livehub.hub.netty.NettyStreamServer.class).port())
                .isPositive());
        runner.withPropertyValues("hub.stream-port=0")
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("hub.stream-port has nobody to serve"));
        runner.withClassLoader(new org.springframework.boot.test.context.FilteredClassLoader(
                "io.netty.handler.codec.http"))
            .withPropertyValues("hub.stream-port=0", "hub.token.secret=" + "s".repeat(32))
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("add io.netty:netty-codec-http"));
        runner.run(context -> assertThat(context).doesNotHaveBean(dev.livehub.hub.netty.NettyStreamServer.class));
    }
}
