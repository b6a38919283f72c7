package com.example.invoices;

import java.util.List;

import org.springframework.stereotype.Component;

/** Everyone who signs in here; the invoices page is the same for all of them. */
@Component
public class HostUsers {

    public List<String> names() {
        return List.of("alice", "Mary Ann", "josé");
    }
}
