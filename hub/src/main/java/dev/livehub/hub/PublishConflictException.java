package dev.livehub.hub;

/**
 * A publish id was used again with another event name or other data. The earlier publication stands; the new one is
 * not appended. A publish id names one publication: make a new one for new content.
 */
public class PublishConflictException extends IllegalStateException {

    public PublishConflictException(String message) {
        super(message);
    }
}
