package dev.livehub.app.tasks;

/**
 * A save based on an older version of the task than the stored one: someone changed it since the form was opened.
 * Carries the task as it is now, so the page can show what changed and let the user apply their edit again.
 */
public class TaskConflictException extends RuntimeException {

    private final transient Task current;

    TaskConflictException(Task current) {
        super("task " + current.id() + " changed since the version you edited; it is now at version " + current.version());
        this.current = current;
    }

    public Task current() {
        return current;
    }
}
