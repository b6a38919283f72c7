package dev.livehub.hub.web;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Finding a port's listening sockets in {@code /proc} and setting {@code TCP_USER_TIMEOUT} on them (Linux). */
class ListenerUserTimeoutTests {

    @Test
    void onlyListeningSocketsOfThePortAreChosen() {
        List<String> table = List.of(
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
                "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4711 1",
                "   1: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 4712 1",
                "   2: 00000000:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4713 1",
                "   3: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A "
                        + "00000000:00000000 00:00000000 00000000     0        0 4714 1");

        assertThat(ListenerUserTimeout.listeningInodes(table, 8080)).containsExactlyInAnyOrder("4711", "4714");
        assertThat(ListenerUserTimeout.listeningInodes(table, 0x1F91)).containsExactly("4713");
        assertThat(ListenerUserTimeout.listeningInodes(table, 9999)).isEmpty();
    }

    @Test
    void aListenerOfThisProcessGetsIt() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertThat(ListenerUserTimeout.set(listener.getLocalPort(), Duration.ofSeconds(3))).isEqualTo(1);
        }
    }

    @Test
    void aPortNobodyListensOnGetsNothing() throws Exception {
        int port;
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = listener.getLocalPort();
        }
        assertThat(ListenerUserTimeout.set(port, Duration.ofSeconds(3))).isZero();
    }

    @Test
    void aPortOrTimeoutOutOfRangeIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> ListenerUserTimeout.set(0, Duration.ofSeconds(1)))
            .withMessageContaining("port 0");
        assertThatIllegalArgumentException().isThrownBy(() -> ListenerUserTimeout.set(8080, Duration.ZERO))
            .withMessageContaining("at least 1 ms");
    }
}
