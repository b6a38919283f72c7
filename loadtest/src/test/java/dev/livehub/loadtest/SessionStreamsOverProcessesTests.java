package dev.livehub.loadtest;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import jakarta.servlet.Filter;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.livehub.hub.starter.StarterApplication;
import dev.livehub.hub.testing.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Session streams spread over the generator's processes: the run hands its sessions to a helper process ({@code hold})
 * and each process opens its share, connection {@code i} with session {@code i % sessions}, as one process would. The
 * server is a real hub node (the starter app on a real Redis) behind a host's sign-in ({@link HostSignIn}): a
 * {@code SESSION=signed-in-<user>} cookie is that user's session, and it counts the streams opened with each.
 */
@SpringBootTest(classes = { StarterApplication.class, SessionStreamsOverProcessesTests.HostSignIn.class },
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
                "hub.token.secret=" + SessionStreamsOverProcessesTests.SECRET, "hub.connect-rate.burst=10000",
                "hub.max-connections-per-user=100" })
class SessionStreamsOverProcessesTests {

    static final String SECRET = "loadtest-sessions-secret-of-32-bytes-or-more";

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry registry) {
        redis.useForTheHub(registry);
    }

    @LocalServerPort
    int port;

    @TempDir
    Path dir;

    @Test
    void aHelperProcessHoldsItsShareOfTheSessionStreamsEachWithTheSessionOfItsIndex() throws Exception {
        Path cookies = Files.writeString(dir.resolve("cookies.txt"), """
                ada SESSION=signed-in-ada
                bob SESSION=signed-in-bob
                cy SESSION=signed-in-cy
                """);
        LoadTest.Options options = new LoadTest.Options();
        options.target = "hub";
        options.url = URI.create("http://127.0.0.1:" + port);
        options.connections = 10;
        options.publish = "http";
        options.duration = 1;
        options.cookieFile = cookies;
        options.sourceAddresses = 1;
        options.connectRate = 500;
        options.serverPid = List.of(ProcessHandle.current().pid());
        // No token secret: a stream that was not opened with its session would be refused.
        Set<Path> sessionFilesBefore = sessionFiles();

        Map<String, Object> result = new Run("idle", options, 0, 1).processes(2).measure(System.out);

        // This process's 5 (connections 0-4) and the helper's 5 (5-9), the helper's counted from its report.
        assertThat(result).containsEntry("connected", 10L).containsEntry("failed_connects", 0L)
            .containsEntry("users", 3);
        // Connection i is session i % 3 in either process: ada 0, 3, 6, 9; bob 1, 4, 7; cy 2, 5, 8 (a helper that
        // counted from its own first connection would have opened bob 4 and cy 2).
        assertThat(HostSignIn.streams).containsOnly(Map.entry("ada", 4), Map.entry("bob", 3), Map.entry("cy", 3));
        // The sessions handed to the helper are not left behind.
        assertThat(sessionFiles()).isSubsetOf(sessionFilesBefore);
    }

    private static Set<Path> sessionFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.filter(file -> file.getFileName().toString().startsWith("loadtest-sessions"))
                .collect(Collectors.toSet());
        }
    }

    /**
     * A host application's sign-in, as small as it gets: the {@code SESSION} cookie {@code signed-in-<user>} is
     * {@code <user>}'s session, the request's principal (which the hub takes as the stream's user). Streams opened
     * with each session are counted.
     */
    @TestConfiguration(proxyBeanMethods = false)
    static class HostSignIn {

        static final Map<String, Integer> streams = new ConcurrentHashMap<>();

        @Bean
        FilterRegistrationBean<Filter> hostSignIn() {
            Filter filter = (request, response, chain) -> {
                String user = signedIn((HttpServletRequest) request);
                if (user == null) {
                    chain.doFilter(request, response);
                    return;
                }
                if (((HttpServletRequest) request).getRequestURI().equals("/stream/app")) {
                    streams.merge(user, 1, Integer::sum);
                }
                chain.doFilter(new HttpServletRequestWrapper((HttpServletRequest) request) {
                    @Override
                    public java.security.Principal getUserPrincipal() {
                        return () -> user;
                    }
                }, response);
            };
            return new FilterRegistrationBean<>(filter);
        }

        private static String signedIn(HttpServletRequest request) {
            if (request.getCookies() != null) {
                for (Cookie cookie : request.getCookies()) {
                    if (cookie.getName().equals("SESSION") && cookie.getValue().startsWith("signed-in-")) {
                        return cookie.getValue().substring("signed-in-".length());
                    }
                }
            }
            return null;
        }
    }
}
