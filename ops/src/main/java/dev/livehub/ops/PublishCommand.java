package dev.livehub.ops;

import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import dev.livehub.hub.EventId;
import dev.livehub.hub.Publication;
import dev.livehub.hub.engine.RedisEngine;

@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Appends one event to a user's stream, as the hub does: hubctl publish 42 crud.update "
                + "'{\"model\":\"Task\",\"id\":12}'")
final class PublishCommand implements Callable<Integer> {

    @ParentCommand
    Hubctl hubctl;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "USER", description = "the user's hub id")
    String user;

    @Parameters(index = "1", paramLabel = "EVENT", description = "event name, [a-z0-9._-]{1,64}")
    String event;

    @Parameters(index = "2", paramLabel = "JSON", description = "the event's data")
    String json;

    @Override
    public Integer call() {
        Publication publication;
        try {
            Publication.requireUserId(user);
            publication = Publication.of(event, EntryLines.requireJson(json));
        }
        catch (IllegalArgumentException ex) {
            throw new HubctlException(2, ex.getMessage());
        }
        try (Store store = hubctl.store(); RedisEngine engine = store.engine()) {
            engine.start((u, entry) -> { });
            EventId id = engine.append(List.of(user), publication).get(user);
            spec.commandLine().getOut().println(id);
        }
        return 0;
    }
}
