package dev.livehub.loadtest;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The order check reads an event id's two numbers, the hub's and Nchan's forms alike. */
class EventPositionTests {

    @Test
    void theHubsAndNchansIdsAreRead() {
        assertThat(Subscriber.position("1700000000000-12")).containsExactly(1700000000000L, 12L);
        assertThat(Subscriber.position("1700000000:3")).containsExactly(1700000000L, 3L);
        assertThat(Subscriber.position("1700000000:3,4")).containsExactly(1700000000L, 3L);
    }

    @Test
    void anythingElseIsNotChecked() {
        assertThat(Subscriber.position(null)).isNull();
        assertThat(Subscriber.position("")).isNull();
        assertThat(Subscriber.position("-1")).isNull();
        assertThat(Subscriber.position("12-")).isNull();
        assertThat(Subscriber.position("abc")).isNull();
        assertThat(Subscriber.position("1234567890123456789012-1")).isNull();
    }
}
