package dev.livehub.hub.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The caps of the server's port and the stream port stay together below the file limit less 2,000 (issue 14.6): unset
 * caps share it, explicit ones that exceed it are refused with the numbers and what to change.
 */
class ConnectionBudgetTests {

    private static final String TOMCAT = "server.tomcat.max-connections";

    @Test
    void unsetCapsShareTheFileLimitLessTheReserve() {
        assertThat(ConnectionBudget.of(TOMCAT, 20_000, null, false, null, false))
            .isEqualTo(new ConnectionBudget(20_000, 18_000, 0));
        assertThat(ConnectionBudget.of(TOMCAT, 20_000, null, true, null, false))
            .isEqualTo(new ConnectionBudget(20_000, 4_500, 13_500));
        assertThat(ConnectionBudget.of(TOMCAT, 20_000, 8_000, true, null, false))
            .isEqualTo(new ConnectionBudget(20_000, 8_000, 10_000));
        assertThat(ConnectionBudget.of(TOMCAT, 20_000, null, true, 15_000, false))
            .isEqualTo(new ConnectionBudget(20_000, 3_000, 15_000));
        // No Tomcat: the stream port has it all.
        assertThat(ConnectionBudget.of(TOMCAT, 20_000, 0, true, null, false))
            .isEqualTo(new ConnectionBudget(20_000, 0, 18_000));
        // Whatever the limit, every cap stays positive and within it.
        for (long limit : new long[] { 1, 1024, 2_001, 4_096, 1_048_576 }) {
            ConnectionBudget budget = ConnectionBudget.of(TOMCAT, limit, null, true, null, false);
            assertThat(budget.servlet()).isPositive();
            assertThat(budget.stream()).isPositive();
            assertThat((long) budget.servlet() + budget.stream()).isLessThanOrEqualTo(Math.max(2, limit - 2_000));
        }
    }

    @Test
    void explicitCapsAboveTheFileLimitAreRefusedWithTheNumbers() {
        // The two listeners' caps as they were shipped: 18,000 + the file limit less 2,000.
        assertThatIllegalStateException().isThrownBy(() -> ConnectionBudget.of(TOMCAT, 20_000, 18_000, true, 18_000, false))
            .withMessageContaining("server.tomcat.max-connections (18000) + hub.stream-max-connections (18000) = 36000")
            .withMessageContaining("file limit (20000, ulimit -n)")
            .withMessageContaining("hub.oversubscribe-connections");
        assertThatIllegalStateException().isThrownBy(() -> ConnectionBudget.of(TOMCAT, 20_000, 18_000, true, null, false))
            .withMessageContaining("leaving nothing for hub.stream-port");
        assertThatIllegalStateException().isThrownBy(() -> ConnectionBudget.of(TOMCAT, 20_000, null, true, 19_500, false))
            .withMessageContaining("hub.stream-max-connections (19500)");
        assertThatIllegalStateException().isThrownBy(() -> ConnectionBudget.of(TOMCAT, 20_000, 30_000, false, null, false))
            .withMessageContaining("server.tomcat.max-connections (30000)");
        // An operator who loads one port at a time may say so.
        assertThat(ConnectionBudget.of(TOMCAT, 20_000, 20_000, true, 19_500, true))
            .isEqualTo(new ConnectionBudget(20_000, 20_000, 19_500));
    }

    @Test
    void theApplicationRefusesToStartWithCapsAboveTheFileLimit() {
        long limit = ConnectionBudget.processFileLimit();
        ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(HubAutoConfiguration.class));
        runner.withPropertyValues("server.tomcat.max-connections=" + limit)
            .run(context -> assertThat(context).getFailure().rootCause()
                .hasMessageContaining("server.tomcat.max-connections (" + limit + ") is above the process's file "
                        + "limit"));
        runner.withPropertyValues("server.tomcat.max-connections=" + limit, "hub.oversubscribe-connections=true")
            .run(context -> assertThat(context).hasNotFailed());
        runner.run(context -> assertThat(context.getBean(ConnectionBudget.class).servlet())
            .isEqualTo((int) Math.min(Integer.MAX_VALUE, limit - 2_000)));
    }
}
