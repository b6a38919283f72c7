package com.example.invoices;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import dev.livehub.hub.Cursor;
import dev.livehub.hub.EventId;
import dev.livehub.hub.Hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@SpringBootTest(properties = "hub.engine=memory")
class InvoiceServiceTests {

    @Autowired
    InvoiceService invoices;

    @Autowired
    Hub hub;

    @Test
    void markingAnInvoicePaidReachesEveryUsersStream() {
        invoices.markPaid(2);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
            assertThat(hub.poll("josé", Cursor.after(EventId.ZERO), 100).events())
                .anySatisfy(event -> assertThat(event.data()).contains("\"id\":2", "\"status\":\"paid\"")));
    }
}
