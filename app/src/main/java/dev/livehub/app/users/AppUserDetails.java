package dev.livehub.app.users;

import java.util.Collection;
import java.util.List;

import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.UserDetails;

/**
 * The signed-in user as Spring Security holds it. Serializable, since sessions may live in Redis.
 */
public record AppUserDetails(long id, String username, String password, String role) implements UserDetails {

    static AppUserDetails of(User user) {
        return new AppUserDetails(user.id(), user.username(), user.passwordHash(), user.role());
    }

    public String hubId() {
        return Long.toString(id);
    }

    public List<String> roles() {
        return List.of(role);
    }

    @Override
    public Collection<? extends GrantedAuthority> getAuthorities() {
        return List.of(new SimpleGrantedAuthority("ROLE_" + role.toUpperCase()));
    }

    @Override
    public String getPassword() {
        return password;
    }

    @Override
    public String getUsername() {
        return username;
    }
}
