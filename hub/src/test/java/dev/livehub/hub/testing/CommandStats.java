package dev.livehub.hub.testing;

/** What {@code INFO commandstats} says, for tests that count the calls a node made to Redis. */
public final class CommandStats {

    private CommandStats() {
    }

    /** The {@code EVAL} and {@code EVALSHA} calls in one node's {@code INFO commandstats}. */
    public static long scriptCalls(String commandstats) {
        long calls = 0;
        for (String line : commandstats.split("\\r?\\n")) {
            if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
                calls += Long.parseLong(line.replaceAll("^[^:]+:calls=(\\d+),.*", "$1"));
            }
        }
        return calls;
    }
}
