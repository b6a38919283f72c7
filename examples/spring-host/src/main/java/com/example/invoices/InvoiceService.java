package com.example.invoices;

import java.math.BigDecimal;
import java.util.Map;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.livehub.hub.CrudBus;

/** Changes invoices; every change reaches every signed-in user's invoices page, after commit. */
@Service
public class InvoiceService {

    private final InvoiceRepository invoices;

    private final CrudBus crudBus;

    private final HostUsers users;

    InvoiceService(InvoiceRepository invoices, CrudBus crudBus, HostUsers users) {
        this.invoices = invoices;
        this.crudBus = crudBus;
        this.users = users;
    }

    @Transactional
    public Invoice markPaid(long id) {
        Invoice paid = invoices.save(invoices.findById(id).orElseThrow().withStatus("paid"));
        crudBus.publishToUsers(users.names(), "crud.update", Map.of("model", "Invoice", "id", paid.id(),
                "fields", Map.of("status", paid.status(), "amount", paid.amount())));
        return paid;
    }

    @Transactional
    public Invoice create(String customer, BigDecimal amount) {
        Invoice created = invoices.save(new Invoice(null, customer, amount, "open"));
        crudBus.publishToUsers(users.names(), "crud.create", Map.of("model", "Invoice", "id", created.id()));
        return created;
    }
}
