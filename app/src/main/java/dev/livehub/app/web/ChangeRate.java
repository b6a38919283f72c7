package dev.livehub.app.web;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

import dev.livehub.app.users.User;
import dev.livehub.hub.admission.ConnectRate;

/**
 * How many changes one user may make through the app's pages: a token bucket per user ({@code app.change-rate.burst}
 * at once, {@code app.change-rate.per-second} more every second). Every change publishes to other users' streams and
 * notifies them, so one user posting a form in a loop must not flood everyone who sees the record.
 */
@Component
public class ChangeRate {

    private final ConnectRate buckets;

    ChangeRate(@Value("${app.change-rate.burst:20}") int burst,
            @Value("${app.change-rate.per-second:1}") double perSecond) {
        this.buckets = new ConnectRate(burst, perSecond);
    }

    /**
     * Takes one change from the user's bucket.
     *
     * @throws TooManyChangesException when the bucket is empty; it says how long to wait
     */
    public void acquire(User user) {
        long wait = buckets.acquire(user.hubId());
        if (wait > 0) {
            throw new TooManyChangesException(wait);
        }
    }
}
