package dev.livehub.hub;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayedTests {

    private static String replayed(String data) {
        return Replayed.data(new HubEvent(EventId.parse("5-0"), "notif", data));
    }

    @Test
    void theOriginalsTextIsKeptAsWrittenWithReplayedFromAdded() {
        assertThat(replayed("{\"a\":1e400,\"b\":1796064735.949638}"))
            .isEqualTo("{\"a\":1e400,\"b\":1796064735.949638,\"replayed_from\":\"5-0\"}");
        assertThat(replayed("{}")).isEqualTo("{\"replayed_from\":\"5-0\"}");
        // A replay of a replay keeps naming the first original.
        assertThat(replayed("{\"a\":1,\"replayed_from\":\"1-0\"}")).isEqualTo("{\"a\":1,\"replayed_from\":\"1-0\"}");
    }

    @Test
    void jsonThatIsNotAnObjectIsWrappedAsItWasWrittenAndTextThatIsNotJsonAsAString() {
        assertThat(replayed("[1,2e400]")).isEqualTo("{\"value\":[1,2e400],\"replayed_from\":\"5-0\"}");
        assertThat(replayed("null")).isEqualTo("{\"value\":null,\"replayed_from\":\"5-0\"}");
        assertThat(replayed("\"hi\"")).isEqualTo("{\"value\":\"hi\",\"replayed_from\":\"5-0\"}");
        assertThat(replayed("not json")).isEqualTo("{\"value\":\"not json\",\"replayed_from\":\"5-0\"}");
        assertThat(replayed("")).isEqualTo("{\"value\":\"\",\"replayed_from\":\"5-0\"}");
    }
}
