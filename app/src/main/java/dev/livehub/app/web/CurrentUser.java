package dev.livehub.app.web;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Component;

import dev.livehub.app.users.AppUserDetails;
import dev.livehub.app.users.User;
import dev.livehub.app.users.UserRepository;

/**
 * The signed-in user as the domain knows it, loaded fresh (roles or trainers may have changed since sign-in).
 */
@Component
public class CurrentUser {

    private final UserRepository users;

    CurrentUser(UserRepository users) {
        this.users = users;
    }

    public User of(@AuthenticationPrincipal AppUserDetails principal) {
        return users.findById(principal.id()).orElseThrow(() -> new IllegalStateException(
                "the signed-in user " + principal.username() + " no longer exists"));
    }
}
