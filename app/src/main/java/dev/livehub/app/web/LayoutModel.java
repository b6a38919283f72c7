package dev.livehub.app.web;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

import dev.livehub.app.notifications.NotificationService;
import dev.livehub.app.users.AppUserDetails;
import dev.livehub.hub.PagePosition;

/**
 * What the layout of every page shows: who is signed in (whose stream the page opens), the bell's unread count, and
 * the position of the user's stream, read before the page's own data (model attributes come before the handler), so
 * the page's stream resumes from there and nothing published while the page loads is missed.
 */
@ControllerAdvice(annotations = Controller.class)
class LayoutModel {

    private final NotificationService notifications;

    private final PagePosition pagePosition;

    LayoutModel(NotificationService notifications, PagePosition pagePosition) {
        this.notifications = notifications;
        this.pagePosition = pagePosition;
    }

    @ModelAttribute
    void layout(@AuthenticationPrincipal AppUserDetails me, Model model) {
        if (me != null) {
            model.addAttribute("me", me);
            // Null when the store does not answer within hub.page-position.timeout: the page still renders.
            model.addAttribute("streamLastId", pagePosition.lastId(me.hubId()));
            model.addAttribute("unread", notifications.unread(me.id()));
        }
    }
}
