package dev.livehub.app.users;

import java.time.Clock;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Demo users and tasks, created at start when {@code app.demo-users=true}: never in production, the password is
 * public. Created once the database is migrated and before the web server opens its port, so no sign-in comes before
 * them. Idempotent, so every node of a cluster may run it against the shared database.
 */
@Component
@ConditionalOnProperty(name = "app.demo-users", havingValue = "true")
class DemoUsers implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(DemoUsers.class);

    private static final List<String> LEARNERS = List.of("alice", "carol", "dave", "erin");

    private final UserRepository users;

    private final PasswordEncoder passwords;

    private final JdbcClient jdbc;

    private final Clock clock;

    DemoUsers(UserRepository users, PasswordEncoder passwords, JdbcClient jdbc, Clock clock) {
        this.users = users;
        this.passwords = passwords;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @Override
    public void afterSingletonsInstantiated() {
        String demo = passwords.encode("demo");
        User bob = ensure(new User(null, "bob", demo, User.TRAINER, null));
        ensure(new User(null, "admin", demo, User.ADMIN, null));
        for (String name : LEARNERS) {
            User learner = ensure(new User(null, name, demo, User.LEARNER, bob.id()));
            Integer tasks = jdbc.sql("SELECT COUNT(*) FROM tasks WHERE learner_id = ?").param(learner.id())
                .query(Integer.class).single();
            if (tasks == 0) {
                for (String title : List.of("Read chapter 1", "Exercise set A", "Project proposal")) {
                    jdbc.sql("INSERT INTO tasks (title, learner_id, trainer_id, state, updated_at) "
                            + "VALUES (?, ?, ?, 'todo', ?)")
                        .params(title + " (" + name + ")", learner.id(), bob.id(),
                                java.sql.Timestamp.from(clock.instant()))
                        .update();
                }
            }
        }
        log.warn("Demo users alice, carol, dave, erin (learners), bob (trainer) and admin, password 'demo', are "
                + "present (app.demo-users=true): turn this off in production");
    }

    private User ensure(User user) {
        return users.findByUsername(user.username()).orElseGet(() -> {
            try {
                return users.save(user);
            }
            catch (DuplicateKeyException ex) {
                // Another node created it at the same moment.
                return users.findByUsername(user.username()).orElseThrow();
            }
        });
    }
}
