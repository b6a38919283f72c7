package dev.livehub.hub.console;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConsoleTrimTests {

    private static int maxEntries(String body) {
        return ConsoleController.maxEntries(JsonMapper.shared().readTree(body));
    }

    @Test
    void maxEntriesIsAWholeNumberFromZeroThatFitsAnInt() {
        assertThat(maxEntries("{\"maxEntries\":0}")).isZero();
        assertThat(maxEntries("{\"maxEntries\":2147483647}")).isEqualTo(Integer.MAX_VALUE);
        for (String bad : new String[] { "{\"maxEntries\":1.5}", "{\"maxEntries\":\"2\"}", "{\"maxEntries\":-1}",
                "{\"maxEntries\":99999999999999999999}", "{}" }) {
            assertThatThrownBy(() -> maxEntries(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("maxEntries is a whole number from 0 to 2147483647; got ");
        }
    }
}
