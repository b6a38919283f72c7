package dev.livehub.app.tasks;

/**
 * A change the rules do not allow the user to make (a state transition not theirs, a learner renaming a task); the
 * message says what was refused and why, for the page.
 */
public class TaskRuleException extends RuntimeException {

    TaskRuleException(String message) {
        super(message);
    }
}
