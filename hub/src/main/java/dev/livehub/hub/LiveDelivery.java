package dev.livehub.hub;

/**
 * Whether this node's live delivery (the engine's pub/sub) is whole, shared by the hub, which learns it from the
 * engine, and its connections, which read it to know when a catch-up may go live. Thread-safe.
 */
final class LiveDelivery {

    private volatile boolean down;

    private volatile long epoch;

    /** Live entries may be missed from now on. */
    void lost() {
        down = true;
    }

    /** Live delivery is whole again; catch-ups that ran meanwhile must read again. */
    void restored() {
        epoch++;
        down = false;
    }

    boolean isDown() {
        return down;
    }

    /** Changes at every restore: a catch-up compares it before and after its read. */
    long epoch() {
        return epoch;
    }
}
