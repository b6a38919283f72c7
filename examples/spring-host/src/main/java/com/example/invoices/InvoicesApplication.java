package com.example.invoices;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

import dev.livehub.hub.VirtualThreadCarriers;

/** An invoices app of its own, made live by following the README's "Spring app" guide. */
@SpringBootApplication
public class InvoicesApplication {

    public static void main(String[] args) {
        // Before anything starts a virtual thread: the hub runs its admissions and publishes on them (README, step 1).
        VirtualThreadCarriers.raise();
        SpringApplication.run(InvoicesApplication.class, args);
    }
}
