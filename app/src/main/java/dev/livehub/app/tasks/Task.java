package dev.livehub.app.tasks;

import java.time.Instant;
import java.util.List;

import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Table;

/**
 * A learner's piece of work, followed by a trainer.
 */
@Table("tasks")
public record Task(@Id Long id, String title, Long learnerId, Long trainerId, String state, Instant updatedAt) {

    public static final List<String> STATES = List.of("todo", "in_progress", "submitted", "validated", "rejected");

    /** The states a learner may set; validating and rejecting are the trainer's. */
    public static final List<String> LEARNER_STATES = List.of("todo", "in_progress", "submitted");

    Task with(String newTitle, String newState, Instant now) {
        return new Task(id, newTitle, learnerId, trainerId, newState, now);
    }
}
