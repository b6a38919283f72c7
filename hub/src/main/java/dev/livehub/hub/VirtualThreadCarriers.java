package dev.livehub.hub;

/**
 * How many carrier threads the JDK's virtual thread scheduler runs, raised for a node on a small machine. Call it first
 * thing in {@code main}, before any virtual thread is started: the scheduler reads its setting once.
 *
 * <p>Why: a virtual thread that loads a class while handling a request (the first requests after a start load
 * hundreds) pins its carrier, because the JVM's own frames are on its stack; one waiting there for a lock held by an
 * unmounted virtual thread keeps the carrier until that thread runs again, and that thread needs a free carrier to run
 * (JEP 491 unmounts a virtual thread blocked on a monitor, except in such pinned frames). The default is one carrier per
 * core: on 2 cores, two requests loading classes from the application's jar (Spring Boot's nested jar reader
 * synchronizes on the jar) while a third, holding the jar's lock, waited for a monitor, held both carriers for good: the
 * node answered nothing again (seen on a cold app node signing in 30 users at once; thread dump in the issue note).
 * More carriers than requests that load classes at once make that wait end.
 *
 * <p>Not thread-safe: {@code main} calls it before anything else runs.
 */
public final class VirtualThreadCarriers {

    /** The system property the JDK reads ({@code java.lang.VirtualThread}'s default scheduler). */
    static final String PARALLELISM = "jdk.virtualThreadScheduler.parallelism";

    /** Carriers at least: more than a node's requests that load classes at once after its start. */
    static final int AT_LEAST = 16;

    private VirtualThreadCarriers() {
    }

    /**
     * Sets the scheduler's parallelism to {@value #AT_LEAST} or the number of cores, whichever is more, unless the
     * JVM was given one ({@code -Djdk.virtualThreadScheduler.parallelism=N} wins).
     *
     * @return the parallelism the scheduler will use
     * @throws IllegalArgumentException when the JVM was given one that is not a number
     */
    public static int raise() {
        String given = System.getProperty(PARALLELISM);
        if (given != null) {
            try {
                return Integer.parseInt(given.trim());
            }
            catch (NumberFormatException ex) {
                throw new IllegalArgumentException(
                        "-D" + PARALLELISM + "=" + given + " is not a number of carrier threads", ex);
            }
        }
        int carriers = Math.max(AT_LEAST, Runtime.getRuntime().availableProcessors());
        System.setProperty(PARALLELISM, Integer.toString(carriers));
        return carriers;
    }

    /**
     * What to tell the operator when nobody set the scheduler's parallelism and the JDK's default (one carrier per
     * core) is below {@value #AT_LEAST}, or {@code null}: an app that embeds the hub and did not call {@link #raise()}.
     * The hub admits streams on the stream port and publishes on virtual threads, and an app with
     * {@code spring.threads.virtual.enabled} serves its requests on them too.
     */
    public static String shortage() {
        int cores = Runtime.getRuntime().availableProcessors();
        if (System.getProperty(PARALLELISM) != null || cores >= AT_LEAST) {
            return null;
        }
        return "Virtual threads run on " + cores + " carrier threads (the JDK's default, one per core): after a start,"
                + " requests that load classes can hold them all and the node stops answering. Call"
                + " dev.livehub.hub.VirtualThreadCarriers.raise() first in main, or start the JVM with -D" + PARALLELISM
                + "=" + AT_LEAST;
    }
}
