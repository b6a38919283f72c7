package dev.livehub.app.users;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.stereotype.Component;

/**
 * The app's users, by id and by username.
 */
@Component
public class UserDirectory {

    private final Map<String, AppUser> byUsername = new ConcurrentHashMap<>();

    private final AtomicLong ids = new AtomicLong();

    public AppUser add(String username, String passwordHash, AppUser.Role role) {
        AppUser user = new AppUser(Long.toString(ids.incrementAndGet()), username, passwordHash, java.util.Set.of(role));
        if (byUsername.putIfAbsent(username, user) != null) {
            throw new IllegalArgumentException("a user named '" + username + "' exists already");
        }
        return user;
    }

    public Optional<AppUser> byUsername(String username) {
        return Optional.ofNullable(byUsername.get(username));
    }

    public Collection<AppUser> all() {
        return List.copyOf(byUsername.values());
    }
}
