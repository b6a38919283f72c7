package dev.livehub.app.notifications;

import java.time.Instant;

import org.springframework.data.annotation.Id;
import org.springframework.data.relational.core.mapping.Table;

/**
 * A message for one user's bell.
 */
@Table("notifications")
public record Notification(@Id Long id, Long userId, String title, String body, String link, Instant createdAt,
        Instant readAt) {

    public boolean unread() {
        return readAt == null;
    }
}
