package dev.livehub.app.tasks;

import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.livehub.app.users.User;

/**
 * The states of a task, their labels, and who may move a task from which state to which. A learner works on a task
 * and hands it in (and may take it back before the trainer decides); only a trainer or an admin validates or rejects,
 * and they may move a task to any state. Keeping a task's state is always allowed.
 */
public final class TaskStates {

    public static final String TODO = "todo";

    /** Every state, in the order of the work. */
    public static final List<String> ALL = List.of(TODO, "in_progress", "submitted", "validated", "rejected");

    private static final Map<String, String> LABELS = Map.of(TODO, "To do", "in_progress", "In progress",
            "submitted", "Submitted", "validated", "Validated", "rejected", "Rejected");

    /** A learner's moves: from a state to the states they may set. A validated task is the trainer's decision. */
    private static final Map<String, Set<String>> LEARNER_MOVES = Map.of(
            TODO, Set.of("in_progress"),
            "in_progress", Set.of(TODO, "submitted"),
            "submitted", Set.of("in_progress"),
            "rejected", Set.of("in_progress"),
            "validated", Set.of());

    private TaskStates() {
    }

    /** The label people read ("In progress"); the state itself when it is unknown. */
    public static String label(String state) {
        return LABELS.getOrDefault(state, state);
    }

    /** Every state with its label, in order: what the page needs to label states pushed to it. */
    public static Map<String, String> labels() {
        return LABELS;
    }

    /** Whether {@code actor} may move a task from {@code from} to {@code to}. */
    public static boolean allowed(User actor, String from, String to) {
        if (!ALL.contains(to)) {
            return false;
        }
        if (from.equals(to) || !actor.is(User.LEARNER)) {
            return true;
        }
        return LEARNER_MOVES.getOrDefault(from, Set.of()).contains(to);
    }

    /** The states {@code actor} may choose for a task in {@code from}, that one included, in order. */
    public static List<String> choices(User actor, String from) {
        return ALL.stream().filter(to -> allowed(actor, from, to)).toList();
    }
}
