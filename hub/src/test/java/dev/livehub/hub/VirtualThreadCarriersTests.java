package dev.livehub.hub;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
    void whatTheJvmWasGivenWins() {
        System.setProperty(VirtualThreadCarriers.PARALLELISM, " 3 ");
        assertThat(VirtualThreadCarriers.raise()).isEqualTo(3);
        assertThat(System.getProperty(VirtualThreadCarriers.PARALLELISM)).isEqualTo(" 3 ");
    }
}
