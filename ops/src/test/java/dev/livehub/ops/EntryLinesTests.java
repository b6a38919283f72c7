package dev.livehub.ops;

import org.junit.jupiter.api.Test;

import dev.livehub.hub.EventId;
import dev.livehub.hub.HubEvent;

import static org.assertj.core.api.Assertions.assertThat;

class EntryLinesTests {

    private static String dataJson(String data) {
        return EntryLines.toDataJsonLine(new HubEvent(EventId.parse("5-0"), "notif", data));
    }

    @Test
    void dataAsJsonKeepsNumbersAsTheyWereWritten() {
        assertThat(dataJson("{\"a\":1e400,\"t\":1796064735.949638}"))
            .isEqualTo("{\"id\":\"5-0\",\"event\":\"notif\",\"data\":{\"a\":1e400,\"t\":1796064735.949638}}");
        // Line breaks between tokens: one line again, numbers exact.
        assertThat(dataJson("{\"a\":\n1e400}")).isEqualTo("{\"id\":\"5-0\",\"event\":\"notif\",\"data\":{\"a\":1E+400}}");
        assertThat(dataJson("not json")).isEqualTo("{\"id\":\"5-0\",\"event\":\"notif\",\"data\":\"not json\"}");
    }
}
