package com.example.invoices;

import java.security.Principal;

import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

import dev.livehub.hub.PagePosition;

/** What every page's layout needs for its stream: whose it is, and where it stood when the page was rendered. */
@ControllerAdvice
class HubLayout {

    private final PagePosition pagePosition;

    HubLayout(PagePosition pagePosition) {
        this.pagePosition = pagePosition;
    }

    @ModelAttribute
    void hub(Principal principal, Model model) {
        if (principal != null) {
            model.addAttribute("hubUser", principal.getName());
            model.addAttribute("hubLastId", pagePosition.lastId(principal.getName()));
        }
    }
}
