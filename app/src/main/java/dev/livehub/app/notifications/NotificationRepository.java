package dev.livehub.app.notifications;

import java.time.Instant;
import java.util.List;

import org.springframework.data.jdbc.repository.query.Modifying;
import org.springframework.data.jdbc.repository.query.Query;
import org.springframework.data.repository.ListCrudRepository;

interface NotificationRepository extends ListCrudRepository<Notification, Long> {

    List<Notification> findTop50ByUserIdOrderByIdDesc(Long userId);

    long countByUserIdAndReadAtIsNull(Long userId);

    @Modifying
    @Query("UPDATE notifications SET read_at = :now WHERE user_id = :userId AND read_at IS NULL")
    int markAllRead(Long userId, Instant now);

    @Modifying
    @Query("UPDATE notifications SET read_at = :now WHERE id = :id AND user_id = :userId AND read_at IS NULL")
    int markRead(Long id, Long userId, Instant now);
}
