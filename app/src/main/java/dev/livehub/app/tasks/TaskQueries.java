package dev.livehub.app.tasks;

import java.util.Map;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import dev.livehub.app.users.User;

/**
 * The task index as each user may see it: learners their own tasks, trainers their learners' tasks, admins all;
 * sorted by a whitelisted column and paginated.
 */
@Component
class TaskQueries {

    private static final Map<String, String> COLUMNS = Map.of("title", "t.title", "learner", "l.username",
            "state", "t.state", "updated", "t.updated_at");

    private final JdbcClient jdbc;

    TaskQueries(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    TaskPage page(User viewer, int page, int size, String sort, String dir) {
        String column = COLUMNS.getOrDefault(sort, "t.updated_at");
        String sortName = COLUMNS.containsKey(sort) ? sort : "updated";
        String direction = "asc".equalsIgnoreCase(dir) ? "asc" : "desc";
        String where = switch (viewer.role()) {
            case User.LEARNER -> "WHERE t.learner_id = :viewer";
            case User.TRAINER -> "WHERE t.trainer_id = :viewer";
            default -> "";
        };
        long total = jdbc.sql("SELECT COUNT(*) FROM tasks t " + where).param("viewer", viewer.id())
            .query(Long.class).single();
        // A page past the last one (rows deleted meanwhile, a hand-edited URL) is the last one; below 0 the first.
        int last = (int) Math.max(0, (total - 1) / size);
        int safePage = Math.clamp(page, 0, last);
        var rows = jdbc.sql("""
                SELECT t.id, t.title, t.learner_id, l.username AS learner, r.username AS trainer, t.state, t.updated_at
                FROM tasks t JOIN users l ON l.id = t.learner_id JOIN users r ON r.id = t.trainer_id
                """ + where + " ORDER BY " + column + " " + direction + ", t.id " + direction
                + " LIMIT :size OFFSET :offset")
            .param("viewer", viewer.id()).param("size", size).param("offset", (long) safePage * size)
            .query((rs, n) -> new TaskRow(rs.getLong("id"), rs.getString("title"), rs.getLong("learner_id"),
                    rs.getString("learner"), rs.getString("trainer"), rs.getString("state"),
                    rs.getTimestamp("updated_at").toInstant()))
            .list();
        return new TaskPage(rows, safePage, size, total, sortName, direction);
    }
}
