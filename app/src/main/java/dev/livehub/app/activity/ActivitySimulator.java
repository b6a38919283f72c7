package dev.livehub.app.activity;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import dev.livehub.app.tasks.Task;
import dev.livehub.app.tasks.TaskService;
import dev.livehub.app.tasks.TaskStates;
import dev.livehub.app.users.User;
import dev.livehub.app.users.UserRepository;
import dev.livehub.hub.CrudBus;

/**
 * Simulated activity for demos: N task changes per second for S seconds, made through {@link TaskService} as the
 * admin who started it, so they publish exactly as real edits do.
 */
@Component
public class ActivitySimulator {

    private static final Logger log = LoggerFactory.getLogger(ActivitySimulator.class);

    /** Bounds, so a typo cannot flood the database. */
    static final int MAX_RATE = 200;

    static final int MAX_SECONDS = 600;

    /** How often a run tells the admins' activity pages how far it is. */
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);

    private final TaskService tasks;

    private final JdbcClient jdbc;

    private final AtomicReference<Thread> running = new AtomicReference<>();

    private final AtomicInteger done = new AtomicInteger();

    private volatile int planned;

    private volatile int rate = 5;

    private volatile int seconds = 30;

    private volatile boolean stopped;

    private final UserRepository users;

    private final CrudBus bus;

    ActivitySimulator(TaskService tasks, JdbcClient jdbc, UserRepository users, CrudBus bus) {
        this.tasks = tasks;
        this.jdbc = jdbc;
        this.users = users;
        this.bus = bus;
    }

    /** Starts a run unless one is going; returns false when one is. */
    public boolean start(User admin, int perSecond, int seconds) {
        if (perSecond < 1 || perSecond > MAX_RATE || seconds < 1 || seconds > MAX_SECONDS) {
            throw new IllegalArgumentException("The rate is 1 to " + MAX_RATE
                    + " changes per second and the duration 1 to " + MAX_SECONDS + " seconds.");
        }
        Thread thread = Thread.ofVirtual().name("activity").unstarted(() -> run(admin, perSecond, seconds));
        if (!running.compareAndSet(null, thread)) {
            return false;
        }
        planned = perSecond * seconds;
        rate = perSecond;
        this.seconds = seconds;
        stopped = false;
        done.set(0);
        thread.start();
        return true;
    }

    /** Stops the run that is going, if any; returns whether one was. */
    public boolean stop() {
        Thread thread = running.get();
        if (thread == null) {
            return false;
        }
        stopped = true;
        thread.interrupt();
        return true;
    }

    /** The rate of the last run started (or the default), for the form. */
    public int rate() {
        return rate;
    }

    /** The duration of the last run started (or the default), for the form. */
    public int seconds() {
        return seconds;
    }

    public boolean isRunning() {
        return running.get() != null;
    }

    public int done() {
        return done.get();
    }

    public int planned() {
        return planned;
    }

    /** {@code activity} {@code {"running","done","planned","stopped"}} to every admin: their activity pages follow. */
    private void progress(boolean going) {
        try {
            List<String> admins = users.findByRole(User.ADMIN).stream().map(User::hubId).toList();
            bus.publishToUsers(admins, "activity", Map.of("running", going, "done", done.get(), "planned", planned,
                    "stopped", stopped));
        }
        catch (RuntimeException ex) {
            log.debug("Activity progress not published: {}", ex.getMessage());
        }
    }

    private void run(User admin, int perSecond, int seconds) {
        log.info("Activity: {} task changes per second for {} s", perSecond, seconds);
        long interval = Duration.ofSeconds(1).toNanos() / perSecond;
        long next = System.nanoTime();
        long reported = next;
        progress(true);
        try {
            List<Long> ids = jdbc.sql("SELECT id FROM tasks").query(Long.class).list();
            for (int i = 0; i < perSecond * seconds && !ids.isEmpty(); i++) {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                long id = ids.get(random.nextInt(ids.size()));
                try {
                    Task task = tasks.get(admin, id);
                    String state = TaskStates.ALL.get(random.nextInt(TaskStates.ALL.size()));
                    tasks.update(admin, id, task.title(), state, task.version());
                    done.incrementAndGet();
                }
                catch (RuntimeException ex) {
                    log.debug("Activity skipped task {}: {}", id, ex.getMessage());
                }
                next += interval;
                if (System.nanoTime() - reported >= PROGRESS_EVERY.toNanos()) {
                    reported = System.nanoTime();
                    progress(true);
                }
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    // Pacing the simulated edits at the requested rate.
                    Thread.sleep(Duration.ofNanos(wait));
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        finally {
            running.set(null);
            progress(false);
            log.info("Activity finished: {} task changes", done.get());
        }
    }
}
