package dev.livehub.hub.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContextImpl;
import org.springframework.session.MapSession;
import org.springframework.session.MapSessionRepository;

import dev.livehub.hub.admission.HubUserResolver;
import dev.livehub.hub.admission.SessionStreams;
import dev.livehub.hub.admission.SessionUsers.SessionUser;
import dev.livehub.hub.admission.StreamRequest;

/** Signed-in users of the stream port, read from Spring Session's store in turns, not all at once. */
class SpringSessionUsersTests {

    /** Spring Session's in-memory store, counting the reads in flight; each read holds until {@code release}. */
    static final class CountingRepository extends MapSessionRepository {

        final AtomicInteger inFlight = new AtomicInteger();

        final AtomicInteger mostAtOnce = new AtomicInteger();

        final CountDownLatch release = new CountDownLatch(1);

        CountingRepository() {
            super(new ConcurrentHashMap<>());
        }

        @Override
        public MapSession findById(String id) {
            mostAtOnce.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                release.await(30, TimeUnit.SECONDS);
                return super.findById(id);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return null;
            }
            finally {
                inFlight.decrementAndGet();
            }
        }
    }

    @Test
    void aBurstOfStreamOpensReadsAtMostSixteenSessionsAtOnceAndServesEveryOne() throws Exception {
        CountingRepository repository = new CountingRepository();
        List<String> cookies = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            MapSession session = repository.createSession();
            session.setAttribute(SpringSessionUsers.SECURITY_CONTEXT, new SecurityContextImpl(
                    UsernamePasswordAuthenticationToken.authenticated("user" + i, null, AuthorityUtils.NO_AUTHORITIES)));
            repository.save(session);
            cookies.add(Base64.getEncoder().encodeToString(session.getId().getBytes(StandardCharsets.UTF_8)));
        }
        try (SessionStreams open = new SessionStreams(null, Duration.ofSeconds(20))) {
            SpringSessionUsers users = new SpringSessionUsers(repository, HubUserResolver.principalName(), "SESSION",
                    open);
            List<SessionUser> found = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> opens = new ArrayList<>();
            for (String cookie : cookies) {
                opens.add(Thread.ofVirtual().start(() -> found.add(users.find(request(cookie)))));
            }
            // The first sixteen are reading, held there: the other 44 wait for their turn.
            await().atMost(Duration.ofSeconds(10))
                .until(() -> repository.inFlight.get() == SpringSessionUsers.LOOKUPS);
            repository.release.countDown();
            for (Thread thread : opens) {
                thread.join(10_000);
            }
            assertThat(repository.mostAtOnce.get()).isEqualTo(SpringSessionUsers.LOOKUPS);
            assertThat(found).hasSize(60).doesNotContainNull();
            assertThat(found.stream().map(SessionUser::user).distinct()).hasSize(60);
        }
    }

    private static StreamRequest request(String cookie) {
        return new StreamRequest() {
            @Override
            public String method() {
                return "GET";
            }

            @Override
            public List<String> headers(String name) {
                return List.of();
            }

            @Override
            public List<String> parameters(String name) {
                return List.of();
            }

            @Override
            public List<String> cookies(String name) {
                return name.equals("SESSION") ? List.of(cookie) : List.of();
            }
        };
    }
}
