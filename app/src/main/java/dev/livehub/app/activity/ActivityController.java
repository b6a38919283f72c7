package dev.livehub.app.activity;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import dev.livehub.app.users.AppUserDetails;
import dev.livehub.app.web.CurrentUser;

/** The admin's activity page: start a simulated stream of task changes and watch pages move. */
@Controller
class ActivityController {

    private final ActivitySimulator simulator;

    private final CurrentUser current;

    ActivityController(ActivitySimulator simulator, CurrentUser current) {
        this.simulator = simulator;
        this.current = current;
    }

    @GetMapping("/admin/activity")
    String page(Model model) {
        model.addAttribute("running", simulator.isRunning());
        model.addAttribute("done", simulator.done());
        model.addAttribute("planned", simulator.planned());
        // A refused start comes back with the values the admin typed (flash attributes); otherwise the last run's.
        if (!model.containsAttribute("rate")) {
            model.addAttribute("rate", simulator.rate());
            model.addAttribute("seconds", simulator.seconds());
        }
        return "admin/activity";
    }

    @PostMapping("/admin/activity/stop")
    String stop(RedirectAttributes flash) {
        flash.addFlashAttribute("message", simulator.stop() ? "Stopped." : "No run is going.");
        return "redirect:/admin/activity";
    }

    @PostMapping("/admin/activity")
    String start(@AuthenticationPrincipal AppUserDetails me, @RequestParam int rate, @RequestParam int seconds,
            RedirectAttributes flash) {
        try {
            boolean started = simulator.start(current.of(me), rate, seconds);
            flash.addFlashAttribute(started ? "message" : "error",
                    started ? "Started: " + rate + " changes per second for " + seconds + " s."
                            : "A run is going already.");
        }
        catch (IllegalArgumentException ex) {
            flash.addFlashAttribute("error", ex.getMessage());
            flash.addFlashAttribute("rate", rate);
            flash.addFlashAttribute("seconds", seconds);
        }
        return "redirect:/admin/activity";
    }
}
