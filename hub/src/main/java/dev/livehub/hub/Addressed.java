package dev.livehub.hub;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * A publication and the users whose streams it goes to: one item of {@link Hub#publishAll}. Made by
 * {@link Publication#to(Collection)}.
 *
 * @param users distinct, valid user ids, at least one, in the order given
 */
public record Addressed(List<String> users, Publication publication) {

    public Addressed {
        if (users == null || users.isEmpty()) {
            throw new IllegalArgumentException("name at least one user to publish '"
                    + (publication == null ? null : publication.event()) + "' to");
        }
        LinkedHashSet<String> distinct = new LinkedHashSet<>();
        for (String user : users) {
            distinct.add(Publication.requireUserId(user));
        }
        users = List.copyOf(distinct);
        if (publication == null) {
            throw new IllegalArgumentException("a publication is required");
        }
    }
}
