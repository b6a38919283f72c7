package dev.livehub.app.tasks;

import java.time.Instant;

/**
 * One line of the task index, with the names of the people.
 */
public record TaskRow(long id, String title, long learnerId, String learner, String trainer, String state,
        Instant updatedAt) {
}
