package dev.livehub.ops;

import java.time.Duration;
import java.util.concurrent.Callable;

import io.lettuce.core.XTrimArgs;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.livehub.hub.EventId;

@Command(name = "trim", mixinStandardHelpOptions = true,
        description = "Removes a user's oldest entries. A browser that comes back with a cursor that was trimmed "
                + "away gets a reset and reloads what it shows.")
final class TrimCommand extends UserCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true, multiplicity = "1")
    Bound bound;

    static final class Bound {

        @Option(names = "--maxlen", paramLabel = "N", description = "keep the newest N entries")
        Long maxlen;

        @Option(names = "--minid", paramLabel = "ID", description = "remove entries older than ID")
        EventId minid;

        @Option(names = "--older-than", paramLabel = "DURATION",
                description = "remove entries older than this, e.g. PT1H or 1h, 30m, 2d")
        String olderThan;
    }

    @Option(names = "--yes", description = "do not ask for confirmation")
    boolean yes;

    @Override
    public Integer call() {
        XTrimArgs args;
        String what;
        if (bound.maxlen != null) {
            if (bound.maxlen < 0) {
                throw new HubctlException(2, "--maxlen is 0 or more");
            }
            args = XTrimArgs.Builder.maxlen(bound.maxlen);
            what = "all but the newest " + bound.maxlen + " entries";
        }
        else {
            EventId min = bound.minid != null ? bound.minid
                    : new EventId(Math.max(0, System.currentTimeMillis() - duration(bound.olderThan).toMillis()), 0);
            args = XTrimArgs.Builder.minId(min.toString());
            what = "the entries before " + min;
        }
        try (Store store = writingStore()) {
            String key = store.requireStream(user);
            Confirmation.require(yes, "Remove " + what + " of user " + user + "?", Io.stdin.get(),
                    err());
            Long removed = store.commands().xtrim(key, args);
            out().println("removed " + removed + " entries of user " + user);
        }
        return 0;
    }

    static Duration duration(String text) {
        try {
            if (text.matches("[0-9]+[smhd]")) {
                long amount = Long.parseLong(text.substring(0, text.length() - 1));
                return switch (text.charAt(text.length() - 1)) {
                    case 's' -> Duration.ofSeconds(amount);
                    case 'm' -> Duration.ofMinutes(amount);
                    case 'h' -> Duration.ofHours(amount);
                    default -> Duration.ofDays(amount);
                };
            }
            return Duration.parse(text);
        }
        catch (RuntimeException ex) {
            throw new HubctlException(2, "--older-than takes a duration like 30m, 2h, 7d or PT1H, got '" + text + "'");
        }
    }
}
