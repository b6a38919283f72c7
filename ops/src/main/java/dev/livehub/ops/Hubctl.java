package dev.livehub.ops;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

import io.lettuce.core.RedisConnectionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hubctl}: see and repair what each user was sent, without writing Redis commands by hand. Reads and writes
 * only the hub's wire format, through the hub's own key names and append script.
 *
 * <p>Exit codes: 0 done, 1 failed, 2 bad usage or input, 3 Redis unreachable, 4 no such user stream, 5 refused
 * (not confirmed).
 */
// scope INHERIT: every subcommand takes --help and --version too.
@Command(name = "hubctl", mixinStandardHelpOptions = true, version = "hubctl 0.1.0", scope = CommandLine.ScopeType.INHERIT,
        description = "Operate the hub's per-user event streams in Redis.",
        subcommands = { UsersCommand.class, InspectCommand.class, TailCommand.class, ExportCommand.class,
                ImportCommand.class, ReplayCommand.class, PublishCommand.class, TrimCommand.class,
                DeleteCommand.class, StatsCommand.class },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = { "0:done", "1:failed", "2:bad usage or input", "3:Redis unreachable",
                "4:no such user stream", "5:not confirmed" })
public final class Hubctl implements Callable<Integer> {

    static final int UNREACHABLE = 3;

    static final int NOT_FOUND = 4;

    static final int NOT_CONFIRMED = 5;

    @Option(names = "--redis", paramLabel = "URL", scope = CommandLine.ScopeType.INHERIT,
            defaultValue = "${env:HUB_REDIS_URL:-redis://localhost:6379}",
            description = { "Redis to operate on: $HUB_REDIS_URL when set, else",
                "redis://localhost:6379; a Redis Cluster:", "redis://host:port with --cluster" })
    String redis;

    @Option(names = "--cluster", scope = CommandLine.ScopeType.INHERIT,
            description = "the Redis URL names a node of a Redis Cluster")
    boolean cluster;

    @Option(names = "--prefix", paramLabel = "PREFIX", scope = CommandLine.ScopeType.INHERIT,
            defaultValue = "${env:HUB_PREFIX:-hub}", description = "key prefix (default: ${DEFAULT-VALUE})")
    String prefix;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return CommandLine.ExitCode.USAGE;
    }

    Store store() {
        return Store.open(redis, cluster, prefix);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with hubctl's error handling: a sentence, never a stack trace. */
    public static CommandLine commandLine() {
        CommandLine line = new CommandLine(new Hubctl());
        // A usage error is one line and where to read more, not the whole help and exit-code table.
        line.setParameterExceptionHandler((ex, args) -> {
            CommandLine failed = ex.getCommandLine();
            PrintWriter err = failed.getErr();
            err.println("hubctl: " + ex.getMessage());
            err.println("see '" + failed.getCommandSpec().qualifiedName() + " --help'");
            return CommandLine.ExitCode.USAGE;
        });
        line.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            Throwable cause = ex;
            while (cause.getCause() != null && !(cause instanceof HubctlException)
                    && !(cause instanceof RedisConnectionException)) {
                cause = cause.getCause();
            }
            if (cause instanceof HubctlException failure) {
                err.println("hubctl: " + failure.getMessage());
                return failure.exitCode();
            }
            if (cause instanceof RedisConnectionException unreachable) {
                err.println("hubctl: cannot reach Redis: " + unreachable.getMessage());
                return UNREACHABLE;
            }
            err.println("hubctl: " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
            return CommandLine.ExitCode.SOFTWARE;
        });
        line.registerConverter(dev.livehub.hub.EventId.class, text -> {
            try {
                return dev.livehub.hub.EventId.parse(text);
            }
            catch (IllegalArgumentException ex) {
                throw new CommandLine.TypeConversionException(ex.getMessage());
            }
        });
        return line;
    }
}
