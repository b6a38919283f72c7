package dev.livehub.loadtest;

import java.time.Instant;

/** Wall-clock microseconds: publisher and subscribers may be different processes on one machine. */
final class Clock {

    private Clock() {
    }

    static long micros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }
}
