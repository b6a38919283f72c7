package dev.livehub.app.web;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

@Controller
class HomeController {

    @GetMapping("/")
    String home() {
        return "redirect:/tasks";
    }

    /** The sign-in form; Spring Security handles its POST. */
    @GetMapping("/login")
    String login() {
        return "login";
    }
}
