package dev.livehub.app.users;

import java.util.Set;

/**
 * A user of the app. {@code id} is also the user's hub id: the name of their event stream.
 */
public record AppUser(String id, String username, String passwordHash, Set<Role> roles) {

    public enum Role {
        LEARNER, TRAINER, ADMIN
    }
}
