package dev.livehub.hub.netty;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.Publication;
import dev.livehub.hub.admission.ConnectRate;
import dev.livehub.hub.admission.SessionStreams;
import dev.livehub.hub.admission.SessionUsers;
import dev.livehub.hub.admission.StreamAdmission;
import dev.livehub.hub.admission.SubscriberTokens;
import dev.livehub.hub.engine.MemoryEngine;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.EventLog;
import dev.livehub.hub.testing.SseClient;
import dev.livehub.hub.testing.SseEvent;
import dev.livehub.hub.testing.SseParser;
import dev.livehub.hub.testing.TestTokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The stream port's writer runs on each channel's event loop: no thread per stream, events queued while the client
 * reads nothing go out in order once it reads, a client gone while its channel is backed up frees its slot at once,
 * and an idle stream gets its heartbeat. Clients are raw sockets where the test must control reading.
 */
class NettyStreamWriterIntegrationTests {

    private static final String SECRET = "stream-writer-secret-of-at-least-32-bytes";

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static final Duration HEARTBEAT = Duration.ofMillis(300);

    /** The hub's own threads (catch-up, and writers on threads of their own): {@code hub-<n>}. */
    private static final Pattern HUB_THREAD = Pattern.compile("\"name\": \"hub-[0-9]+\"");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private final List<Socket> sockets = new ArrayList<>();

    private Hub hub;

    private NettyStreamServer server;

    @BeforeEach
    void start() {
        hub = new Hub(new MemoryEngine(StreamSettings.defaults()),
                new HubSettings(16, 2000, HEARTBEAT, Duration.ofMillis(5000), Duration.ofMinutes(30), 500), registry);
        SubscriberTokens tokens = SubscriberTokens.withSecret(SECRET, new SubscriberTokens.Settings("hub_token",
                "token", "sub", null, null, Duration.ofSeconds(5)));
        StreamAdmission admission = new StreamAdmission(hub, tokens, new SessionStreams(null, Duration.ofMinutes(1)),
                new ConnectRate(30, 2));
        // A write timeout far longer than any test: a backed-up stream ends only when its client goes.
        server = new NettyStreamServer(admission, SessionUsers.NONE, new NettyStreamServer.Settings(
                Duration.ofSeconds(60), Duration.ofSeconds(10), 1000, Duration.ofSeconds(60)));
        server.start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        server.close();
        hub.close();
    }

    @Test
    void twoHundredStreamsHoldNoThreadEach() throws Exception {
        int platformBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        List<RawStream> streams = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            streams.add(open("many" + i, 0));
        }
        for (RawStream stream : streams) {
            stream.readUntil("event: ready");
        }
        assertThat(hub.connectionCount()).isEqualTo(200);

        // Each catch-up ends once its stream is live; a writer on a thread of its own would hold one per stream.
        await().atMost(WAIT).until(() -> hubThreads() <= 2);
        int platformAfter = ManagementFactory.getThreadMXBean().getThreadCount();
        System.out.printf("200 streams open on the stream port: %d hub threads, platform threads %d -> %d%n",
                hubThreads(), platformBefore, platformAfter);
        assertThat(platformAfter - platformBefore).as("platform threads added by 200 streams").isLessThan(10);
        for (RawStream stream : streams) {
            stream.socket.close();
        }
        await().atMost(WAIT).until(() -> hub.connectionCount() == 0);
    }

    @Test
    void eventsQueuedWhileTheChannelIsUnwritableArriveInOrderOnceTheClientReads() throws Exception {
        RawStream stream = open("slow", 4096);
        stream.readUntil("event: ready");
        // 800 events of 8 KB, 6.4 MB: more than the client's window, the kernel's send buffer (4 MB at most) and the
        // channel's 64 KiB high water mark together, so the channel is unwritable before the last is written.
        List<String> ids = new ArrayList<>();
        String pad = "x".repeat(8 * 1024);
        for (int n = 0; n < 800; n++) {
            ids.add(hub.publish(List.of("slow"), Publication.of("notif", "{\"n\":" + n + ",\"pad\":\"" + pad + "\"}"))
                .get("slow").toString());
        }
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> delivered() < 801);
        System.out.printf("while its client read nothing, %.0f of 800 events were written to the channel%n",
                delivered() - 1);

        List<SseEvent> received = stream.readPublished(800);

        assertThat(received).extracting(SseEvent::id).containsExactlyElementsOf(ids);
        assertThat(received.get(799).data()).startsWith("{\"n\":799,");
        assertThat(hub.connectionCount("slow")).isEqualTo(1);
        assertThat(registry.counter("hub.streams.dead.peers").count()).isZero();
    }

    @Test
    void aClientGoneWhileItsChannelIsUnwritableFreesItsSlotAtOnce() throws Exception {
        RawStream stream = open("leaving", 4096);
        stream.readUntil("event: ready");
        String pad = "x".repeat(8 * 1024);
        for (int n = 0; n < 800; n++) {
            hub.publish(List.of("leaving"), Publication.of("notif", "{\"n\":" + n + ",\"pad\":\"" + pad + "\"}"));
        }
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> delivered() < 801);

        long closed = System.nanoTime();
        stream.socket.close();

        // Well within the 60 s write timeout: the channel's close wakes the writer.
        await().atMost(WAIT).until(() -> hub.connectionCount("leaving") == 0);
        System.out.printf("a client gone while its channel was unwritable freed its slot in %d ms%n",
                Duration.ofNanos(System.nanoTime() - closed).toMillis());
        await().atMost(WAIT).until(() -> server.openConnections() == 0);
    }

    @Test
    void anIdleStreamGetsAPingEveryHeartbeat() throws Exception {
        String token = TestTokens.hs256(SECRET, "idle", Duration.ofHours(1));
        long opened = System.nanoTime();
        try (SseClient stream = SseClient.open("http://127.0.0.1:" + server.port() + "/stream/app?token=" + token,
                Map.of())) {
            stream.events().awaitFirst("ready", WAIT);
            // ": connected", then one ping per heartbeat.
            await().atMost(WAIT).until(() -> stream.comments() >= 4);
            assertThat(Duration.ofNanos(System.nanoTime() - opened)).isGreaterThanOrEqualTo(HEARTBEAT.multipliedBy(3));
            assertThat(stream.events().all()).extracting(SseEvent::event).containsExactly("ready");
        }
    }

    private double delivered() {
        return registry.counter("hub.events.delivered").count();
    }

    /** Threads named {@code hub-<n>} in a dump of every thread, virtual ones included. */
    private static int hubThreads() throws IOException {
        Path dump = Files.createTempDirectory("threads").resolve("dump.json");
        try {
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpThreads(dump.toString(),
                    HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            return (int) HUB_THREAD.matcher(Files.readString(dump)).results().count();
        }
        finally {
            Files.deleteIfExists(dump);
            Files.deleteIfExists(dump.getParent());
        }
    }

    /**
     * Opens a stream over HTTP/1.0 (no chunking: the body is the stream), with a receive buffer of
     * {@code receiveBuffer} bytes (0: the system's).
     */
    private RawStream open(String user, int receiveBuffer) throws IOException {
        Socket socket = new Socket();
        sockets.add(socket);
        if (receiveBuffer > 0) {
            socket.setReceiveBufferSize(receiveBuffer);
        }
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
        socket.setSoTimeout((int) WAIT.toMillis());
        String token = TestTokens.hs256(SECRET, user, Duration.ofHours(1));
        socket.getOutputStream().write(("GET /stream/app?token=" + token + " HTTP/1.0\r\nHost: x\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return new RawStream(socket);
    }

    /** A stream read only when the test says so. */
    private static final class RawStream {

        private final Socket socket;

        private final StringBuilder received = new StringBuilder();

        private final EventLog events = new EventLog();

        private final SseParser parser = new SseParser(events::add);

        private boolean inBody;

        RawStream(Socket socket) {
            this.socket = socket;
        }

        void readUntil(String text) throws IOException {
            while (received.indexOf(text) < 0) {
                read();
            }
        }

        List<SseEvent> readPublished(int count) throws IOException {
            while (events.published().size() < count) {
                read();
            }
            return events.published().subList(0, count);
        }

        private void read() throws IOException {
            byte[] buffer = new byte[65536];
            InputStream in = socket.getInputStream();
            int n = in.read(buffer);
            if (n < 0) {
                throw new IOException("the stream ended; received " + received.length() + " chars");
            }
            received.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            if (!inBody) {
                int head = received.indexOf("\r\n\r\n");
                if (head < 0) {
                    return;
                }
                assertThat(received.toString()).startsWith("HTTP/1.0 200");
                inBody = true;
                parser.feed(received.substring(head + 4));
                return;
            }
            parser.feed(new String(buffer, 0, n, StandardCharsets.UTF_8));
        }
    }
}
