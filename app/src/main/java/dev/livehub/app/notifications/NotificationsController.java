package dev.livehub.app.notifications;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;

import dev.livehub.app.users.AppUserDetails;

@Controller
class NotificationsController {

    private final NotificationService notifications;

    NotificationsController(NotificationService notifications) {
        this.notifications = notifications;
    }

    @GetMapping("/notifications")
    String index(@AuthenticationPrincipal AppUserDetails me, Model model) {
        model.addAttribute("notifications", notifications.latest(me.id()));
        return "notifications/index";
    }

    /** Opening a notification marks it read, then goes where it points (a page of this app only). */
    @GetMapping("/notifications/{id}")
    String open(@AuthenticationPrincipal AppUserDetails me, @PathVariable long id) {
        String link = notifications.open(me.id(), id);
        return "redirect:" + (link != null && link.startsWith("/") && !link.startsWith("//") ? link : "/notifications");
    }

    @PostMapping("/notifications/{id}/read")
    String read(@AuthenticationPrincipal AppUserDetails me, @PathVariable long id) {
        notifications.markRead(me.id(), id);
        return "redirect:/notifications";
    }

    @PostMapping("/notifications/read-all")
    String readAll(@AuthenticationPrincipal AppUserDetails me) {
        notifications.markAllRead(me.id());
        return "redirect:/notifications";
    }
}
