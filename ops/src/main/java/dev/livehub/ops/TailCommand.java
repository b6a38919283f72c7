package dev.livehub.ops;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.livehub.hub.EventId;
import dev.livehub.hub.HubEvent;
import dev.livehub.hub.engine.EngineListener;
import dev.livehub.hub.engine.RedisEngine;

@Command(name = "tail", mixinStandardHelpOptions = true,
        description = "Follows a user's new entries live until Ctrl-C, on the same live path as a hub node (the "
                + "user's bell channel); with --from, the entries since that id first.")
final class TailCommand extends UserCommand implements Callable<Integer> {

    @Option(names = "--from", paramLabel = "ID", description = "print the entries after this id first")
    EventId from;

    @Option(names = "--json", description = "JSON lines instead of a table")
    boolean json;

    /** For tests: stop after this long; by default run until interrupted. */
    @Option(names = "--for", paramLabel = "MILLIS", hidden = true, defaultValue = "0")
    long forMillis;

    private EventId printed = EventId.ZERO;

    @Override
    public Integer call() throws InterruptedException {
        dev.livehub.hub.Publication.requireUserId(user);
        PrintWriter out = out();
        CountDownLatch stop = new CountDownLatch(1);
        try (Store store = store(); RedisEngine engine = store.engine()) {
            Object lock = new Object();
            engine.start(new EngineListener() {
                @Override
                public void onEntry(String u, HubEvent entry) {
                    synchronized (lock) {
                        print(out, entry);
                    }
                }
            });
            // Subscribed first, then the history: nothing falls between the two; the cursor drops repeats.
            engine.subscribe(user).toCompletableFuture().join();
            if (from != null) {
                synchronized (lock) {
                    store.range(store.keys().stream(user), from, null, 0, entry -> {
                        if (entry.id().isAfter(from)) {
                            print(out, entry);
                        }
                    });
                }
            }
            err().println("hubctl: following user " + user + " (Ctrl-C to stop)");
            err().flush();
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            if (forMillis > 0) {
                stop.await(forMillis, TimeUnit.MILLISECONDS);
            }
            else {
                stop.await();
            }
        }
        return 0;
    }

    private void print(PrintWriter out, HubEvent entry) {
        if (!entry.id().isAfter(printed)) {
            return;
        }
        printed = entry.id();
        out.println(json ? EntryLines.toLine(entry)
                : String.format("%-20s %-16s %s", entry.id(), entry.event(), entry.data()));
        out.flush();
    }
}
