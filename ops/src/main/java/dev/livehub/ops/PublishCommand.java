package dev.livehub.ops;

import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import dev.livehub.hub.EventId;
import dev.livehub.hub.Publication;
import dev.livehub.hub.engine.RedisEngine;

@Command(name = "publish", mixinStandardHelpOptions = true,
        description = { "Appends one event to a user's stream, as the hub's nodes append (their stream settings).",
                "  hubctl publish 42 crud.update '{\"model\":\"Task\",\"id\":12}'" })
final class PublishCommand extends UserCommand implements Callable<Integer> {

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
        try (Store store = writingStore(); RedisEngine engine = store.engine(err())) {
            engine.start((u, entry) -> { });
            EventId id = engine.append(List.of(user), publication).get(user);
            out().println(id);
        }
        return 0;
    }
}
