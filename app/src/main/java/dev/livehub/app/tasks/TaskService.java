package dev.livehub.app.tasks;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
            .orElseThrow(() -> new IllegalArgumentException("no learner " + learnerId));
        if (actor.is(User.TRAINER) && !actor.id().equals(learner.trainerId())) {
            throw new AccessDeniedException(learner.username() + " is not your learner");
        }
        long trainerId = learner.trainerId() != null ? learner.trainerId() : actor.id();
        Task task = tasks.save(new Task(null, requireTitle(title), learnerId, trainerId, "todo", now()));
        publish("crud.create", task, Map.of());
        notifications.notify(learnerId, "New task", actor.username() + " gave you \"" + task.title() + "\"",
                "/tasks/" + task.id() + "/edit");
        return task;
    }

    @Transactional
    public Task update(User actor, long id, String title, String state) {
        Task task = get(actor, id);
        if (!Task.STATES.contains(state)) {
            throw new IllegalArgumentException("unknown state " + state);
        }
        boolean learner = actor.is(User.LEARNER);
        if (learner && (!Task.LEARNER_STATES.contains(state) || !task.title().equals(title))) {
            throw new AccessDeniedException("learners move their tasks up to submitted, and keep the title");
        }
        Task changed = tasks.save(task.with(requireTitle(title), state, now()));
        Map<String, Object> fields = new LinkedHashMap<>();
        if (!task.title().equals(changed.title())) {
            fields.put("title", changed.title());
        }
        if (!task.state().equals(changed.state())) {
            fields.put("state", changed.state());
        }
        fields.put("updated", TaskFormat.time(changed.updatedAt()));
        publish("crud.update", changed, fields);
        long other = learner ? task.trainerId() : task.learnerId();
        if (other != actor.id()) {
            notifications.notify(other, "Task " + changed.state().replace('_', ' '),
                    actor.username() + " updated \"" + changed.title() + "\"", "/tasks/" + id + "/edit");
        }
        return changed;
    }

    @Transactional
    public void delete(User actor, long id) {
        Task task = get(actor, id);
        if (actor.is(User.LEARNER)) {
            throw new AccessDeniedException("learners do not delete tasks");
        }
        tasks.delete(task);
        publish("crud.delete", task, Map.of());
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

    private void publish(String event, Task task, Map<String, Object> fields) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("model", MODEL);
        payload.put("id", task.id());
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
            throw new IllegalArgumentException("a title has 1 to 200 characters");
        }
        return title.strip();
    }

    private Instant now() {
        return clock.instant();
    }
}
