package dev.livehub.ops;

import picocli.CommandLine.Option;

import dev.livehub.hub.EventId;

/** {@code --from} and {@code --to}, both inclusive, for the commands that read a part of a stream. */
final class IdRange {

    @Option(names = "--from", paramLabel = "ID", description = "first id (inclusive)")
    EventId from;

    @Option(names = "--to", paramLabel = "ID", description = "last id (inclusive)")
    EventId to;
}
