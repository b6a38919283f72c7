package dev.livehub.app.users;

import java.util.Collection;
import java.util.List;

import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.UserDetails;

/**
 * The signed-in user as Spring Security holds it, carrying the hub user id. Serializable: sessions may live in Redis.
 */
public record AppUserDetails(String id, String username, String password, List<String> roles)
        implements UserDetails {

    static AppUserDetails of(AppUser user) {
        return new AppUserDetails(user.id(), user.username(), user.passwordHash(),
                user.roles().stream().map(role -> role.name().toLowerCase()).sorted().toList());
    }

    @Override
    public Collection<? extends GrantedAuthority> getAuthorities() {
        return roles.stream().map(role -> new SimpleGrantedAuthority("ROLE_" + role.toUpperCase())).toList();
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
