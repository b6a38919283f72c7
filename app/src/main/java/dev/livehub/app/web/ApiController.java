package dev.livehub.app.web;

import java.util.List;
import java.util.Map;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.livehub.app.notifications.NotificationService;
import dev.livehub.app.users.AppUserDetails;

/**
 * The JSON the pages need: who is signed in (with the hub user id of the page's stream), and the bell's count.
 */
@RestController
class ApiController {

    private final NotificationService notifications;

    ApiController(NotificationService notifications) {
        this.notifications = notifications;
    }

    record Me(String id, String username, List<String> roles) {
    }

    @GetMapping("/api/me")
    Me me(@AuthenticationPrincipal AppUserDetails user) {
        return new Me(user.hubId(), user.username(), user.roles());
    }

    @GetMapping("/api/notifications/unread")
    Map<String, Long> unread(@AuthenticationPrincipal AppUserDetails user) {
        return Map.of("unread", notifications.unread(user.id()));
    }
}
