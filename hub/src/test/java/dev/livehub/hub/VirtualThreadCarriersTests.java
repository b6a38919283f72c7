package dev.livehub.hub;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VirtualThreadCarriersTests {

    private String before;

    @BeforeEach
    void remember() {
        before = System.getProperty(VirtualThreadCarriers.PARALLELISM);
        System.clearProperty(VirtualThreadCarriers.PARALLELISM);
    }

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(VirtualThreadCarriers.PARALLELISM);
        }
        else {
            System.setProperty(VirtualThreadCarriers.PARALLELISM, before);
        }
    }

    @Test
    void unsetItBecomesSixteenOrOnePerCoreWhicheverIsMore() {
        int expected = Math.max(16, Runtime.getRuntime().availableProcessors());
        assertThat(VirtualThreadCarriers.raise()).isEqualTo(expected);
        assertThat(System.getProperty(VirtualThreadCarriers.PARALLELISM)).isEqualTo(Integer.toString(expected));
    }

    @Test
    void aValueThatIsNotANumberIsNamedInTheError() {
        System.setProperty(VirtualThreadCarriers.PARALLELISM, "sixteen");
        assertThatThrownBy(VirtualThreadCarriers::raise).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("-Djdk.virtualThreadScheduler.parallelism=sixteen is not a number of carrier threads");
    }

    @Test
    void anAppThatDidNotRaiseThemIsToldHowWhenTheDefaultIsBelowSixteen() {
        int cores = Runtime.getRuntime().availableProcessors();
        if (cores < 16) {
            assertThat(VirtualThreadCarriers.shortage()).startsWith("Virtual threads run on " + cores + " carrier")
                .contains("VirtualThreadCarriers.raise() first in main", "-Djdk.virtualThreadScheduler.parallelism=16");
        }
        else {
            assertThat(VirtualThreadCarriers.shortage()).isNull();
        }
        VirtualThreadCarriers.raise();
        assertThat(VirtualThreadCarriers.shortage()).isNull();
    }

    @Test
    void whatTheJvmWasGivenWins() {
        System.setProperty(VirtualThreadCarriers.PARALLELISM, " 3 ");
        assertThat(VirtualThreadCarriers.raise()).isEqualTo(3);
        assertThat(System.getProperty(VirtualThreadCarriers.PARALLELISM)).isEqualTo(" 3 ");
    }
}
