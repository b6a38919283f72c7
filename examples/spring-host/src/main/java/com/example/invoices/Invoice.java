package com.example.invoices;

import java.math.BigDecimal;

import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Table;

/** One invoice: who owes, how much, and whether it is paid. (@Table: a JDBC entity, with Spring Data Redis present.) */
@Table
public record Invoice(@Id Long id, String customer, BigDecimal amount, String status) {

    Invoice withStatus(String newStatus) {
        return new Invoice(id, customer, amount, newStatus);
    }
}
