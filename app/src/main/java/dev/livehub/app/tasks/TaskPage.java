package dev.livehub.app.tasks;

import java.util.List;

/**
 * One page of the task index, with how it is sorted.
 */
public record TaskPage(List<TaskRow> rows, int page, int size, long total, String sort, String dir) {

    public int pages() {
        return (int) Math.max(1, (total + size - 1) / size);
    }

    public boolean hasPrevious() {
        return page > 0;
    }

    public boolean hasNext() {
        return page + 1 < pages();
    }
}
