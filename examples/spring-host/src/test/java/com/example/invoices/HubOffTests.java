package com.example.invoices;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;

import dev.livehub.hub.Hub;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code hub.enabled=false}: the app runs as before the hub, its saves included; the hub has no endpoint. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "hub.enabled=false", "hub.engine=redis" })
class HubOffTests {

    @LocalServerPort
    int port;

    @Autowired
    ApplicationContext context;

    @Autowired
    InvoiceService service;

    @Autowired
    InvoiceRepository invoices;

    @Test
    void theAppRunsAndSavesWithTheHubOff() throws Exception {
        assertThat(context.getBeanNamesForType(Hub.class)).isEmpty();
        HostClient josé = HostClient.signedIn("http://localhost:" + port, "josé");

        assertThat(josé.get("/invoices").statusCode()).isEqualTo(200);
        assertThat(josé.get("/invoices").body()).contains("lastId: null");
        assertThat(service.markPaid(3).status()).isEqualTo("paid");
        assertThat(invoices.findById(3L).orElseThrow().status()).isEqualTo("paid");
        assertThat(josé.get("/stream/app").statusCode()).isEqualTo(404);
    }
}
