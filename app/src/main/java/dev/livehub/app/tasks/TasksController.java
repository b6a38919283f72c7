package dev.livehub.app.tasks;

import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.util.UriComponentsBuilder;

import dev.livehub.app.users.AppUserDetails;
import dev.livehub.app.users.User;
import dev.livehub.app.users.UserRepository;
import dev.livehub.app.web.ChangeRate;
import dev.livehub.app.web.CurrentUser;

/**
 * The task pages. {@code GET /tasks} with {@code X-Requested-With: XMLHttpRequest} renders only the table, which is
 * what a live page re-fetches. Every change a user makes through these pages counts against their {@link ChangeRate}.
 */
@Controller
class TasksController {

    private static final int PAGE_SIZE = 20;

    private final TaskService tasks;

    private final TaskQueries queries;

    private final UserRepository users;

    private final CurrentUser current;

    private final ChangeRate changeRate;

    TasksController(TaskService tasks, TaskQueries queries, UserRepository users, CurrentUser current,
            ChangeRate changeRate) {
        this.tasks = tasks;
        this.queries = queries;
        this.users = users;
        this.current = current;
        this.changeRate = changeRate;
    }

    /** A field changed by someone else since the user's form was opened: from what the form showed to what it is. */
    record Change(String field, String before, String now) {
    }

    @GetMapping("/tasks")
    String index(@AuthenticationPrincipal AppUserDetails me, @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "updated") String sort, @RequestParam(defaultValue = "desc") String dir,
            @RequestHeader(name = "X-Requested-With", required = false) String requestedWith, Model model) {
        TaskPage tasks = queries.page(current.of(me), page, PAGE_SIZE, sort, dir);
        boolean table = "XMLHttpRequest".equals(requestedWith);
        if (!table && tasks.page() != page) {
            // Out of range: the nearest page that exists, at its own address.
            return "redirect:" + UriComponentsBuilder.fromPath("/tasks").queryParam("page", tasks.page())
                .queryParam("sort", tasks.sort()).queryParam("dir", tasks.dir()).toUriString();
        }
        model.addAttribute("tasks", tasks);
        model.addAttribute("labels", TaskStates.labels());
        return table ? "tasks/index :: table" : "tasks/index";
    }

    @GetMapping("/tasks/new")
    String newTask(@AuthenticationPrincipal AppUserDetails me, Model model) {
        User user = current.of(me);
        List<User> learners = user.is(User.ADMIN) ? users.findByRole(User.LEARNER) : users.findByTrainerId(user.id());
        model.addAttribute("learners", learners);
        // A refused form comes back with what the user typed (flash attributes), else empty.
        if (!model.containsAttribute("formTitle")) {
            model.addAttribute("formTitle", "");
            model.addAttribute("formLearnerId", null);
        }
        return "tasks/new";
    }

    @PostMapping("/tasks")
    String create(@AuthenticationPrincipal AppUserDetails me, @RequestParam long learnerId,
            @RequestParam String title, RedirectAttributes flash) {
        User user = current.of(me);
        changeRate.acquire(user);
        try {
            Task task = tasks.create(user, learnerId, title);
            flash.addFlashAttribute("message", "Task \"" + task.title() + "\" created.");
        }
        catch (IllegalArgumentException ex) {
            flash.addFlashAttribute("error", ex.getMessage());
            flash.addFlashAttribute("formTitle", title);
            flash.addFlashAttribute("formLearnerId", learnerId);
            return "redirect:/tasks/new";
        }
        return "redirect:/tasks";
    }

    @GetMapping("/tasks/{id}/edit")
    String edit(@AuthenticationPrincipal AppUserDetails me, @PathVariable long id, Model model) {
        User user = current.of(me);
        Task task = tasks.get(user, id);
        // A refused save comes back with the user's own values (flash attributes), else the task's.
        editPage(model, user, task,
                model.containsAttribute("formTitle") ? (String) model.getAttribute("formTitle") : task.title(),
                model.containsAttribute("formState") ? (String) model.getAttribute("formState") : task.state());
        return "tasks/edit";
    }

    @PostMapping("/tasks/{id}")
    String update(@AuthenticationPrincipal AppUserDetails me, @PathVariable long id, @RequestParam String title,
            @RequestParam String state, @RequestParam long version,
            @RequestParam(required = false) String baseTitle, @RequestParam(required = false) String baseState,
            Model model, HttpServletResponse response, RedirectAttributes flash) {
        User user = current.of(me);
        changeRate.acquire(user);
        try {
            tasks.update(user, id, title, state, version);
        }
        catch (TaskConflictException ex) {
            // Shown, not redirected: the user's own values stay in the form, over the task as it is now.
            Task now = ex.current();
            List<Change> changes = new ArrayList<>();
            if (baseTitle != null && !baseTitle.equals(now.title())) {
                changes.add(new Change("Title", baseTitle, now.title()));
            }
            if (baseState != null && !baseState.equals(now.state())) {
                changes.add(new Change("State", TaskStates.label(baseState), TaskStates.label(now.state())));
            }
            model.addAttribute("changes", changes);
            model.addAttribute("conflictBy", tasks.updatedBy(now));
            // The user's edit is what they changed from the form's base; the rest is the task as it is now.
            String myTitle = title.equals(baseTitle) ? now.title() : title;
            String myState = state.equals(baseState) || !TaskStates.allowed(user, now.state(), state) ? now.state()
                    : state;
            editPage(model, user, now, myTitle, myState);
            response.setStatus(HttpServletResponse.SC_CONFLICT);
            return "tasks/edit";
        }
        catch (IllegalArgumentException | TaskRuleException ex) {
            flash.addFlashAttribute("error", ex.getMessage());
            flash.addFlashAttribute("formTitle", title);
            flash.addFlashAttribute("formState", state);
            return "redirect:/tasks/" + id + "/edit";
        }
        return "redirect:/tasks";
    }

    @PostMapping("/tasks/{id}/delete")
    String delete(@AuthenticationPrincipal AppUserDetails me, @PathVariable long id, RedirectAttributes flash) {
        User user = current.of(me);
        changeRate.acquire(user);
        tasks.delete(user, id);
        flash.addFlashAttribute("message", "Task deleted.");
        return "redirect:/tasks";
    }

    /** The edit form over {@code task} as stored, showing {@code title} and {@code state} (the user's own values). */
    private void editPage(Model model, User user, Task task, String title, String state) {
        List<String> choices = TaskStates.choices(user, task.state());
        model.addAttribute("task", task);
        // A learner's title is read-only text: it shows the task's, never a refused rename.
        model.addAttribute("formTitle", user.is(User.LEARNER) ? task.title() : title);
        model.addAttribute("formState", state);
        model.addAttribute("states", choices);
        model.addAttribute("stateEditable", choices.size() > 1);
        model.addAttribute("titleEditable", !user.is(User.LEARNER));
        model.addAttribute("labels", TaskStates.labels());
        model.addAttribute("updatedBy", tasks.updatedBy(task));
    }
}
