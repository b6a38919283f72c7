package dev.livehub.app.users;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Demo users, created at start when {@code app.demo-users=true}: never in production, their password is public.
 */
@Component
@ConditionalOnProperty(name = "app.demo-users", havingValue = "true")
class DemoUsers implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(DemoUsers.class);

    private final UserDirectory users;

    private final PasswordEncoder passwords;

    DemoUsers(UserDirectory users, PasswordEncoder passwords) {
        this.users = users;
        this.passwords = passwords;
    }

    @Override
    public void run(ApplicationArguments args) {
        String demo = passwords.encode("demo");
        users.add("alice", demo, AppUser.Role.LEARNER);
        users.add("bob", demo, AppUser.Role.TRAINER);
        users.add("admin", demo, AppUser.Role.ADMIN);
        log.warn("Demo users alice (learner), bob (trainer) and admin, password 'demo', were created "
                + "(app.demo-users=true): turn this off in production");
    }
}
