package dev.livehub.app.web;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

import dev.livehub.app.notifications.NotificationService;
import dev.livehub.app.users.AppUserDetails;

/**
 * What the layout of every page shows: who is signed in (whose stream the page opens) and the bell's unread count.
 */
@ControllerAdvice(annotations = Controller.class)
class LayoutModel {

    private final NotificationService notifications;

    LayoutModel(NotificationService notifications) {
        this.notifications = notifications;
    }

    @ModelAttribute
    void layout(@AuthenticationPrincipal AppUserDetails me, Model model) {
        if (me != null) {
            model.addAttribute("me", me);
            model.addAttribute("unread", notifications.unread(me.id()));
        }
    }
}
