package dev.livehub.app.tasks;

import java.util.List;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import dev.livehub.app.users.AppUserDetails;
import dev.livehub.app.users.User;
import dev.livehub.app.users.UserRepository;
import dev.livehub.app.web.CurrentUser;

/**
 * The task pages. {@code GET /tasks} with {@code X-Requested-With: XMLHttpRequest} renders only the table, which is
 * what a live page re-fetches.
 */
@Controller
class TasksController {

    private static final int PAGE_SIZE = 20;

    private final TaskService tasks;

    private final TaskQueries queries;

    private final UserRepository users;

    private final CurrentUser current;

    TasksController(TaskService tasks, TaskQueries queries, UserRepository users, CurrentUser current) {
        this.tasks = tasks;
        this.queries = queries;
        this.users = users;
        this.current = current;
    }

    @GetMapping("/tasks")
    String index(@AuthenticationPrincipal AppUserDetails me, @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "updated") String sort, @RequestParam(defaultValue = "desc") String dir,
            @RequestHeader(name = "X-Requested-With", required = false) String requestedWith, Model model) {
        model.addAttribute("tasks", queries.page(current.of(me), page, PAGE_SIZE, sort, dir));
        return "XMLHttpRequest".equals(requestedWith) ? "tasks/index :: table" : "tasks/index";
    }

    @GetMapping("/tasks/new")
    String newTask(@AuthenticationPrincipal AppUserDetails me, Model model) {
        User user = current.of(me);
        List<User> learners = user.is(User.ADMIN) ? users.findByRole(User.LEARNER) : users.findByTrainerId(user.id());
        model.addAttribute("learners", learners);
        return "tasks/new";
    }

    @PostMapping("/tasks")
    String create(@AuthenticationPrincipal AppUserDetails me, @RequestParam long learnerId,
            @RequestParam String title, RedirectAttributes flash) {
        try {
            Task task = tasks.create(current.of(me), learnerId, title);
            flash.addFlashAttribute("message", "Task \"" + task.title() + "\" created.");
        }
        catch (IllegalArgumentException ex) {
            flash.addFlashAttribute("error", ex.getMessage());
            return "redirect:/tasks/new";
        }
        return "redirect:/tasks";
    }

    @GetMapping("/tasks/{id}/edit")
    String edit(@AuthenticationPrincipal AppUserDetails me, @PathVariable long id, Model model) {
        User user = current.of(me);
        model.addAttribute("task", tasks.get(user, id));
        model.addAttribute("states", user.is(User.LEARNER) ? Task.LEARNER_STATES : Task.STATES);
        return "tasks/edit";
    }

    @PostMapping("/tasks/{id}")
    String update(@AuthenticationPrincipal AppUserDetails me, @PathVariable long id, @RequestParam String title,
            @RequestParam String state, RedirectAttributes flash) {
        try {
            tasks.update(current.of(me), id, title, state);
        }
        catch (IllegalArgumentException ex) {
            flash.addFlashAttribute("error", ex.getMessage());
            return "redirect:/tasks/" + id + "/edit";
        }
        return "redirect:/tasks";
    }

    @PostMapping("/tasks/{id}/delete")
    String delete(@AuthenticationPrincipal AppUserDetails me, @PathVariable long id, RedirectAttributes flash) {
        tasks.delete(current.of(me), id);
        flash.addFlashAttribute("message", "Task deleted.");
        return "redirect:/tasks";
    }
}
