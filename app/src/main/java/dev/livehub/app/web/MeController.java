package dev.livehub.app.web;

import java.util.List;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.livehub.app.users.AppUserDetails;

/**
 * {@code GET /api/me}: who is signed in, with the hub user id the page's stream belongs to.
 */
@RestController
class MeController {

    record Me(String id, String username, List<String> roles) {
    }

    @GetMapping("/api/me")
    Me me(@AuthenticationPrincipal AppUserDetails user) {
        return new Me(user.id(), user.username(), user.roles());
    }
}
