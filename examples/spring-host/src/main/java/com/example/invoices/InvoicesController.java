package com.example.invoices;

import java.math.BigDecimal;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;

/** The invoices index (one page for every user), and its two changes. */
@Controller
class InvoicesController {

    private final InvoiceRepository invoices;

    private final InvoiceService service;

    InvoicesController(InvoiceRepository invoices, InvoiceService service) {
        this.invoices = invoices;
        this.service = service;
    }

    @GetMapping("/")
    String home() {
        return "redirect:/invoices";
    }

    /** The whole page, or only its table when liveIndex re-fetches it (X-Requested-With). */
    @GetMapping("/invoices")
    String index(@RequestHeader(name = "X-Requested-With", required = false) String requestedWith, Model model) {
        model.addAttribute("invoices", invoices.findAll());
        return requestedWith == null ? "invoices" : "invoices :: table";
    }

    @PostMapping("/invoices")
    String create(@RequestParam String customer, @RequestParam BigDecimal amount) {
        service.create(customer, amount);
        return "redirect:/invoices";
    }

    @PostMapping("/invoices/{id}/paid")
    String paid(@PathVariable long id) {
        service.markPaid(id);
        return "redirect:/invoices";
    }
}
