package dev.livehub.app.tasks;

import java.time.Instant;

import org.springframework.data.annotation.Id;
import org.springframework.data.annotation.Version;
import org.springframework.data.relational.core.mapping.Table;

/**
 * A learner's piece of work, followed by a trainer. {@code version} rises with every change: a save based on an older
 * version is refused (optimistic locking), so two people editing one task never overwrite each other silently.
 * {@code updatedBy} is who made the last change (null for tasks nobody changed yet).
 */
@Table("tasks")
public record Task(@Id Long id, String title, Long learnerId, Long trainerId, String state, Instant updatedAt,
        @Version Long version, Long updatedBy) {

    static Task create(String title, long learnerId, long trainerId, long creator, Instant now) {
        return new Task(null, title, learnerId, trainerId, TaskStates.TODO, now, null, creator);
    }

    Task with(String newTitle, String newState, long actor, Instant now) {
        return new Task(id, newTitle, learnerId, trainerId, newState, now, version, actor);
    }
}
