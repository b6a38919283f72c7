package dev.livehub.app.outbox;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.livehub.app.App;
import dev.livehub.app.tasks.Task;
import dev.livehub.app.tasks.TaskService;
import dev.livehub.app.users.User;
import dev.livehub.app.users.UserRepository;

/**
 * An app node, in a process of its own, that renames one of alice's tasks {@code outbox-1} .. {@code outbox-<n>} as
 * bob, one transaction each, and then freezes right after the last commit, before anything after commit runs (a
 * synchronization that comes first): the fault hook. It prints {@code COMMITTED <n> <task id>}; the test then kills it
 * with SIGKILL. Arguments: n, then Spring arguments.
 */
public final class CrashingNode {

    private CrashingNode() {
    }

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        String[] spring = java.util.Arrays.copyOfRange(args, 1, args.length);
        ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class).run(spring);
        UserRepository users = context.getBean(UserRepository.class);
        TaskService tasks = context.getBean(TaskService.class);
        TransactionTemplate transaction = new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
        User bob = users.findByUsername("bob").orElseThrow();
        User alice = users.findByUsername("alice").orElseThrow();
        long taskId = context.getBean(org.springframework.jdbc.core.simple.JdbcClient.class)
            .sql("SELECT MIN(id) FROM tasks WHERE learner_id = ?").param(alice.id()).query(Long.class).single();
        for (int n = 1; n <= count; n++) {
            int round = n;
            transaction.executeWithoutResult(status -> {
                Task current = tasks.get(bob, taskId);
                Task task = tasks.update(bob, taskId, "outbox-" + round, current.state(), current.version());
                if (round == count) {
                    TransactionSynchronizationManager.registerSynchronization(new Freeze(round, task.id()));
                }
            });
        }
        Thread.sleep(Long.MAX_VALUE);
    }

    /** Runs first after commit: tells the test, and never returns. */
    private record Freeze(int round, long taskId) implements TransactionSynchronization {

        @Override
        public int getOrder() {
            return Ordered.HIGHEST_PRECEDENCE;
        }

        @Override
        public void afterCommit() {
            System.out.println("COMMITTED " + round + " " + taskId);
            System.out.flush();
            try {
                Thread.sleep(Long.MAX_VALUE);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
