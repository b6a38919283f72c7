package dev.livehub.hub.autoconfigure;

import java.lang.management.ManagementFactory;

import com.sun.management.UnixOperatingSystemMXBean;

/**
 * How many connections each listener of the process may hold, so that together they stay below the process's file
 * limit with {@link #RESERVED} files left for Redis, the database, logs and jars: a flood of idle connections is then
 * refused at accept instead of leaving the node without a file descriptor (issue 14.6).
 *
 * <p>A cap left unset gets what the other leaves; caps set explicitly that together exceed the budget are refused at
 * start with what to change, unless {@code hub.oversubscribe-connections} says the operator knows (a benchmark that
 * loads one port at a time).
 *
 * @param servlet the servlet container's {@code maxConnections}
 * @param stream the Netty stream port's cap, or {@code 0} when there is no stream port
 */
record ConnectionBudget(long fileLimit, int servlet, int stream) {

    /** Files kept for everything but the listeners' connections. */
    static final int RESERVED = 2_000;

    /** Fewest connections a servlet port is given beside a stream port: pages, publishes and probes. */
    static final int MIN_SERVLET = 256;

    /**
     * @param servletProperty the servlet container's cap property: {@code server.tomcat.max-connections} or
     *        {@code server.jetty.max-connections}
     * @param servletSet its value, or {@code null} when unset
     * @param streamPort whether {@code hub.stream-port} is on
     * @param streamSet {@code hub.stream-max-connections}, or {@code null} when unset
     * @throws IllegalStateException when caps set explicitly do not fit, with what to change
     */
    static ConnectionBudget of(String servletProperty, long fileLimit, Integer servletSet, boolean streamPort,
            Integer streamSet, boolean oversubscribe) {
        long budget = Math.max(1, fileLimit - RESERVED);
        if (!streamPort) {
            int servlet = servletSet != null ? servletSet : clamp(budget);
            if (servlet > budget && !oversubscribe) {
                throw refused(fileLimit, servletProperty + " (" + servlet + ")");
            }
            return new ConnectionBudget(fileLimit, servlet, 0);
        }
        if (servletSet == null && streamSet == null) {
            // Streams go to the stream port; the servlet port serves pages and publishes.
            int servlet = clamp(Math.max(Math.min(MIN_SERVLET, budget), budget / 4));
            return new ConnectionBudget(fileLimit, servlet, clamp(Math.max(1, budget - servlet)));
        }
        if (streamSet == null) {
            long stream = budget - servletSet;
            if (stream < 1) {
                if (!oversubscribe) {
                    throw refused(fileLimit, servletProperty + " (" + servletSet
                            + "), leaving nothing for hub.stream-port,");
                }
                stream = budget;
            }
            return new ConnectionBudget(fileLimit, servletSet, clamp(stream));
        }
        if (servletSet == null) {
            long servlet = budget - streamSet;
            if (servlet < Math.min(MIN_SERVLET, budget)) {
                if (!oversubscribe) {
                    throw refused(fileLimit, "hub.stream-max-connections (" + streamSet + "), leaving fewer than "
                            + MIN_SERVLET + " for the server's port,");
                }
                servlet = Math.max(MIN_SERVLET, budget - streamSet);
            }
            return new ConnectionBudget(fileLimit, clamp(servlet), streamSet);
        }
        if ((long) servletSet + streamSet > budget && !oversubscribe) {
            throw refused(fileLimit, servletProperty + " (" + servletSet + ") + hub.stream-max-connections ("
                    + streamSet + ") = " + ((long) servletSet + streamSet));
        }
        return new ConnectionBudget(fileLimit, servletSet, streamSet);
    }

    /** The process's limit of open files ({@code ulimit -n}), or 65,536 where the JDK cannot tell. */
    static long processFileLimit() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : 65_536;
    }

    private static IllegalStateException refused(long fileLimit, String what) {
        return new IllegalStateException(what + " is above the process's file limit (" + fileLimit
                + ", ulimit -n) less " + RESERVED + " kept for Redis, the database, logs and jars: a flood of idle "
                + "connections would leave the node without a file descriptor. Lower it, raise the file limit, or set "
                + "hub.oversubscribe-connections=true if only one port is loaded at a time");
    }

    private static int clamp(long value) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, value));
    }

    @Override
    public String toString() {
        return "file limit " + fileLimit + ": server port " + servlet + " connections"
                + (stream > 0 ? ", stream port " + stream : "") + ", " + RESERVED + " files kept for the rest";
    }
}
