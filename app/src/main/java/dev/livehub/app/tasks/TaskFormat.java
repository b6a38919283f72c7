package dev.livehub.app.tasks;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * How task values are shown, the same in the rendered table and in the pushed fields, so a row updated from an
 * event reads exactly as a refreshed one.
 */
public final class TaskFormat {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
        .withZone(ZoneOffset.UTC);

    private TaskFormat() {
    }

    public static String time(Instant instant) {
        return TIME.format(instant);
    }
}
