package dev.livehub.app.tasks;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import dev.livehub.app.users.User;
import dev.livehub.app.users.UserRepository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * What a title may hold, whatever the form sent: 1 to 200 characters, stripped, and no control characters (a forged
 * post can send a NUL, a tab or a line break that no input field would, and pages show them as boxes or not at all).
 */
@SpringBootTest(properties = "app.demo-users=true")
class TaskTitleTests {

    @Autowired
    TaskService tasks;

    @Autowired
    UserRepository users;

    private User user(String name) {
        return users.findByUsername(name).orElseThrow();
    }

    @Test
    void aTitleWithAControlCharacterIsRefusedOnCreateAndOnEdit() {
        User bob = user("bob");
        long alice = user("alice").id();
        for (String title : new String[] { "nul\u0001here", "two\nlines", "tab\there", "bell\u0007", "del\u007f" }) {
            assertThatIllegalArgumentException().isThrownBy(() -> tasks.create(bob, alice, title))
                .withMessage("A title has no control characters (line breaks, tabs and the like).");
        }
        Task task = tasks.create(bob, alice, "  Plain title, \u00e9t\u00e9 \uD83D\uDE00  ");
        assertThat(task.title()).isEqualTo("Plain title, \u00e9t\u00e9 \uD83D\uDE00");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> tasks.update(bob, task.id(), "re\rnamed", task.state(), task.version()))
            .withMessageContaining("control characters");
    }
}
