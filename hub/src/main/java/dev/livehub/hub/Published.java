package dev.livehub.hub;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.livehub.hub.engine.EngineException;

/**
 * What became of one publication, per user: the users whose stream holds it, with the entry id (appended now, or
 * earlier under the same publish id), and the users whose stream does not, with why. Publishing again with the same
 * publish id appends it to the refused users only, unless they were refused for a {@link Reason#PUBLISH_ID_CONFLICT}.
 *
 * @param publishId the publication's publish id (the caller's, or the one the hub made)
 * @param ids entry id per user whose stream holds the publication, in the order the users were given
 * @param refused why, per user whose stream does not hold it
 */
public record Published(String publishId, Map<String, EventId> ids, Map<String, Refusal> refused) {

    public Published {
        ids = Collections.unmodifiableMap(new LinkedHashMap<>(ids));
        refused = Collections.unmodifiableMap(new LinkedHashMap<>(refused));
    }

    /** Whether every addressed user's stream holds the publication. */
    public boolean complete() {
        return refused.isEmpty();
    }

    /**
     * The entry id per user when every user's stream holds the publication.
     *
     * @throws PublishConflictException when the publish id was used before for another event or data
     * @throws EngineException when the store refused or could not be reached for some user (retrying the same
     *         publication is safe and appends only the missing ones)
     */
    public Map<String, EventId> orThrow() {
        if (complete()) {
            return ids;
        }
        Map.Entry<String, Refusal> first = refused.entrySet().iterator().next();
        String users = refused.size() == 1 ? "user " + first.getKey() : refused.size() + " users";
        if (refused.values().stream().anyMatch(refusal -> refusal.reason() == Reason.PUBLISH_ID_CONFLICT)) {
            throw new PublishConflictException("publish id '" + publishId + "' was used before for other content ("
                    + users + "): " + first.getValue().message());
        }
        throw new EngineException("the publication '" + publishId + "' was not appended for " + users + ": "
                + first.getValue().message(), null);
    }

    /** Why a user's stream does not hold a publication, in words for the publisher. */
    public record Refusal(Reason reason, String message) {
    }

    /** Why a publication was not appended for a user; {@link #code()} is what the HTTP answer says. */
    public enum Reason {

        /** The publish id was used, for this user, with another event name or data; nothing was appended. */
        PUBLISH_ID_CONFLICT("publish_id_conflict"),

        /** The store is out of memory and refuses writes (Redis {@code maxmemory} with {@code noeviction}). */
        STORE_FULL("store_full"),

        /** The store could not be reached or did not answer in time; it may still have appended. Retry. */
        STORE_UNAVAILABLE("store_unavailable");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        /** Whether publishing again with the same publish id may go through. */
        public boolean retryable() {
            return this != PUBLISH_ID_CONFLICT;
        }
    }
}
