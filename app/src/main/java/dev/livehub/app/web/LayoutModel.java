package dev.livehub.app.web;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

import dev.livehub.app.notifications.NotificationService;
import dev.livehub.app.users.AppUserDetails;
import dev.livehub.hub.Hub;
import dev.livehub.hub.engine.EngineException;

/**
 * What the layout of every page shows: who is signed in (whose stream the page opens), the bell's unread count, and
 * the position of the user's stream, read before the page's own data (model attributes come before the handler), so
 * the page's stream resumes from there and nothing published while the page loads is missed.
 */
@ControllerAdvice(annotations = Controller.class)
class LayoutModel {

    private static final Logger log = LoggerFactory.getLogger(LayoutModel.class);

    private final NotificationService notifications;

    private final Hub hub;

    LayoutModel(NotificationService notifications, Hub hub) {
        this.notifications = notifications;
        this.hub = hub;
    }

    @ModelAttribute
    void layout(@AuthenticationPrincipal AppUserDetails me, Model model) {
        if (me != null) {
            model.addAttribute("me", me);
            model.addAttribute("streamLastId", streamLastId(me.hubId()));
            model.addAttribute("unread", notifications.unread(me.id()));
        }
    }

    /** The stream's last id, or null when the store cannot tell: the page then starts its stream where it is. */
    private String streamLastId(String user) {
        try {
            return hub.lastId(user).toString();
        }
        catch (EngineException ex) {
            log.debug("Page rendered without its stream position: {}", ex.getMessage());
            return null;
        }
    }
}
