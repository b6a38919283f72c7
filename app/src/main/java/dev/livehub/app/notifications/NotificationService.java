package dev.livehub.app.notifications;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.livehub.hub.CrudBus;

/**
 * Notifications for the bell. Each one created, and each change of the unread count, is mirrored after commit into the
 * user's stream as {@code notif}: {@code {"items":[..],"unread":N,"last_id":<newest notification id>}}, with
 * {@code "read":[id]} or {@code "read_all":true} when notifications were marked read.
 */
@Service
public class NotificationService {

    private final NotificationRepository notifications;

    private final CrudBus bus;

    private final Clock clock;

    NotificationService(NotificationRepository notifications, CrudBus bus, Clock clock) {
        this.notifications = notifications;
        this.bus = bus;
        this.clock = clock;
    }

    @Transactional
    public Notification notify(long userId, String title, String body, String link) {
        Notification saved = notifications.save(new Notification(null, userId, title, body, link, clock.instant(),
                null));
        publish(userId, List.of(saved), saved.id());
        return saved;
    }

    @Transactional(readOnly = true)
    public List<Notification> latest(long userId) {
        return notifications.findTop50ByUserIdOrderByIdDesc(userId);
    }

    @Transactional(readOnly = true)
    public long unread(long userId) {
        return notifications.countByUserIdAndReadAtIsNull(userId);
    }

    @Transactional
    public void markRead(long userId, long id) {
        if (notifications.markRead(id, userId, clock.instant()) > 0) {
            publish(userId, List.of(), null, Map.of("read", List.of(id)));
        }
    }

    /**
     * Marks one of the user's notifications read, as opening it does.
     *
     * @return its link, or null when it is not the user's
     */
    @Transactional
    public String open(long userId, long id) {
        markRead(userId, id);
        return notifications.findById(id).filter(n -> n.userId() == userId).map(Notification::link).orElse(null);
    }

    @Transactional
    public void markAllRead(long userId) {
        if (notifications.markAllRead(userId, clock.instant()) > 0) {
            publish(userId, List.of(), null, Map.of("read_all", true));
        }
    }

    private void publish(long userId, List<Notification> items, Long lastId) {
        publish(userId, items, lastId, Map.of());
    }

    // Every tab of the user follows: new items, the unread count, and what was read ("read": ids, or "read_all").
    private void publish(long userId, List<Notification> items, Long lastId, Map<String, Object> read) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("items", items.stream().map(n -> Map.of("id", n.id(), "title", n.title(), "body", n.body(),
                "link", n.link() == null ? "" : n.link(), "created", n.createdAt().toString())).toList());
        payload.put("unread", notifications.countByUserIdAndReadAtIsNull(userId));
        if (lastId != null) {
            payload.put("last_id", lastId);
        }
        payload.putAll(read);
        bus.publishToUsers(List.of(Long.toString(userId)), "notif", payload);
    }
}
