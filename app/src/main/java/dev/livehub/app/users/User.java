package dev.livehub.app.users;

import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Table;

/**
 * A user of the app: a learner (with a trainer), a trainer or an admin. The id, as text, is the user's hub id: the
 * name of their event stream.
 */
@Table("users")
public record User(@Id Long id, String username, String passwordHash, String role, Long trainerId) {

    public static final String LEARNER = "learner";

    public static final String TRAINER = "trainer";

    public static final String ADMIN = "admin";

    public String hubId() {
        return Long.toString(id);
    }

    public boolean is(String someRole) {
        return role.equals(someRole);
    }
}
