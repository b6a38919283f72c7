package dev.livehub.app.tasks;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.livehub.app.notifications.NotificationService;
import dev.livehub.app.users.User;
import dev.livehub.app.users.UserRepository;
import dev.livehub.hub.CrudBus;

/**
 * Creates, changes and deletes tasks. Each change is published, after commit, as {@code crud.create},
 * {@code crud.update} or {@code crud.delete} with {@code {"model":"Task","id":..,"fields":{..}}} to exactly the users
 * concerned (the learner, the trainer, the admins), and notifies the other party.
 */
@Service
public class TaskService {

    public static final String MODEL = "Task";

    private final TaskRepository tasks;

    private final UserRepository users;

    private final NotificationService notifications;

    private final CrudBus bus;

    private final Clock clock;

    TaskService(TaskRepository tasks, UserRepository users, NotificationService notifications, CrudBus bus,
            Clock clock) {
        this.tasks = tasks;
        this.users = users;
        this.notifications = notifications;
        this.bus = bus;
        this.clock = clock;
    }

    @Transactional(readOnly = true)
    public Task get(User viewer, long id) {
        Task task = tasks.findById(id).orElseThrow(() -> new TaskNotFoundException(id));
        if (!canSee(viewer, task)) {
            throw new TaskNotFoundException(id);
        }
        return task;
    }

    @Transactional
    public Task create(User actor, long learnerId, String title) {
        if (actor.is(User.LEARNER)) {
            throw new AccessDeniedException("learners do not create tasks");
        }
        User learner = users.findById(learnerId).filter(u -> u.is(User.LEARNER))
            .orElseThrow(() -> new IllegalArgumentException("There is no learner " + learnerId + "."));
        if (actor.is(User.TRAINER) && !actor.id().equals(learner.trainerId())) {
            throw new AccessDeniedException(learner.username() + " is not your learner");
        }
        long trainerId = learner.trainerId() != null ? learner.trainerId() : actor.id();
        Task task = tasks.save(Task.create(requireTitle(title), learnerId, trainerId, actor.id(), now()));
        publish("crud.create", task, actor, Map.of());
        notifications.notify(learnerId, "New task", actor.username() + " gave you \"" + task.title() + "\"",
                "/tasks/" + task.id() + "/edit");
        return task;
    }

    /**
     * Changes a task's title and state, as {@code actor}, from the version of it the actor's form was based on.
     * A change that changes nothing saves, publishes and notifies nothing.
     *
     * @throws TaskConflictException when the task changed since {@code baseVersion}
     * @throws TaskRuleException when the rules do not let {@code actor} make this change (a state transition that is
     *         not theirs, a learner renaming a task)
     */
    @Transactional
    public Task update(User actor, long id, String title, String state, long baseVersion) {
        Task task = get(actor, id);
        String newTitle = requireTitle(title);
        if (task.title().equals(newTitle) && task.state().equals(state)) {
            return task;
        }
        if (task.version() != baseVersion) {
            throw new TaskConflictException(task);
        }
        if (actor.is(User.LEARNER) && !task.title().equals(newTitle)) {
            throw new TaskRuleException("Only a trainer renames a task.");
        }
        if (!TaskStates.ALL.contains(state)) {
            throw new IllegalArgumentException("There is no state \u201c" + state + "\u201d.");
        }
        if (!TaskStates.allowed(actor, task.state(), state)) {
            throw new TaskRuleException("You cannot move this task from " + TaskStates.label(task.state()) + " to "
                    + TaskStates.label(state) + (task.state().equals("validated")
                            ? ": it was validated by the trainer." : "."));
        }
        Task changed;
        try {
            // Saved with WHERE version = the one read: a change committed in between is refused, not overwritten.
            changed = tasks.save(task.with(newTitle, state, actor.id(), now()));
        }
        catch (OptimisticLockingFailureException ex) {
            throw new TaskConflictException(tasks.findById(id).orElseThrow(() -> new TaskNotFoundException(id)));
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        if (!task.title().equals(changed.title())) {
            fields.put("title", changed.title());
        }
        if (!task.state().equals(changed.state())) {
            fields.put("state", changed.state());
        }
        fields.put("updated", changed.updatedAt().toString());
        publish("crud.update", changed, actor, fields);
        long other = actor.is(User.LEARNER) ? task.trainerId() : task.learnerId();
        if (other != actor.id()) {
            notifyChange(other, actor, task, changed);
        }
        return changed;
    }

    // The headline says what changed: "Task renamed", "Task submitted", or "Task renamed and submitted".
    private void notifyChange(long userId, User actor, Task before, Task after) {
        boolean renamed = !before.title().equals(after.title());
        boolean moved = !before.state().equals(after.state());
        String state = TaskStates.label(after.state());
        String headline = "Task " + (renamed ? "renamed" : "") + (renamed && moved ? " and " : "")
                + (moved ? state.toLowerCase() : "");
        String rename = "renamed \"" + before.title() + "\" to \"" + after.title() + "\"";
        String body = actor.username() + " " + (!moved ? rename
                : renamed ? rename + " and moved it to " + state : "moved \"" + after.title() + "\" to " + state);
        notifications.notify(userId, headline, body, "/tasks/" + after.id() + "/edit");
    }

    @Transactional
    public void delete(User actor, long id) {
        Task task = get(actor, id);
        if (actor.is(User.LEARNER)) {
            throw new AccessDeniedException("Only a trainer or an admin deletes a task.");
        }
        tasks.delete(task);
        publish("crud.delete", task, actor, Map.of());
        notifications.notify(task.learnerId(), "Task removed",
                actor.username() + " removed \"" + task.title() + "\"", "/tasks");
    }

    /** The users who see a task: its learner, its trainer and every admin. */
    Set<String> audience(Task task) {
        Set<String> audience = new LinkedHashSet<>();
        audience.add(Long.toString(task.learnerId()));
        audience.add(Long.toString(task.trainerId()));
        users.findByRole(User.ADMIN).forEach(admin -> audience.add(admin.hubId()));
        return audience;
    }

    /** Who last changed the task, by name, or null when nobody did. */
    @Transactional(readOnly = true)
    public String updatedBy(Task task) {
        return task.updatedBy() == null ? null : users.findById(task.updatedBy()).map(User::username).orElse(null);
    }

    // The payload names who made the change and the task's new version, so an open edit page can say who changed what
    // and whether its form is now out of date.
    private void publish(String event, Task task, User actor, Map<String, Object> fields) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("model", MODEL);
        payload.put("id", task.id());
        payload.put("version", task.version());
        payload.put("by", actor.username());
        if (!fields.isEmpty()) {
            payload.put("fields", fields);
        }
        bus.publishToUsers(List.copyOf(audience(task)), event, payload);
    }

    private static boolean canSee(User viewer, Task task) {
        return viewer.is(User.ADMIN) || viewer.id().equals(task.learnerId()) || viewer.id().equals(task.trainerId());
    }

    private static String requireTitle(String title) {
        if (title == null || title.isBlank() || title.length() > 200) {
            throw new IllegalArgumentException("A title has 1 to 200 characters.");
        }
        // A forged form can send what no input does: line breaks, tabs, NUL, shown as boxes or not at all.
        if (title.strip().chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("A title has no control characters (line breaks, tabs and the like).");
        }
        return title.strip();
    }

    private Instant now() {
        return clock.instant();
    }
}
