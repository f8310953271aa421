package dev.treekill.agent.it;

import java.util.concurrent.TimeUnit;

/**
 * A launcher's first kill, once the agent's background warm-up is over: starts {@code sh -c 'sleep 60 & sleep 60 &
 * wait'}, waits (at most 60 s) until the thread {@code treekill-warmup} has ended, then, on a thread of its own,
 * loads {@link BeforeKill}, calls {@code destroyForcibly()} and {@code waitFor()}, and loads {@link AfterKill}: in a
 * class-load log, what that thread loaded between the two markers is what the kill itself loaded. Prints
 * {@code result warmedUp=<true|false> exit=<waitFor()>}.
 */
final class WarmKillApp {
    private static final String WARM_UP_THREAD = "treekill-warmup";
    private static final long WARM_UP_LIMIT_MILLIS = 60_000;

    static final class BeforeKill {
    }

    static final class AfterKill {
    }

    private WarmKillApp() {
    }

    public static void main(String[] args) {
        AppMain.run(args, a -> {
            Process root = new ProcessBuilder("sh", "-c", "sleep 60 & sleep 60 & wait").start();
            boolean warmedUp = awaitWarmUpEnded();
            int[] exit = {-1};
            Thread killer = new Thread(() -> {
                new BeforeKill();
                root.destroyForcibly();
                try {
                    exit[0] = root.waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                new AfterKill();
            }, "killer");
            killer.start();
            killer.join(TimeUnit.SECONDS.toMillis(60));
            System.out.println("result warmedUp=" + warmedUp + " exit=" + exit[0]);
        });
    }

    /** Whether the warm-up thread ran and ended within the limit. */
    private static boolean awaitWarmUpEnded() throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WARM_UP_LIMIT_MILLIS);
        while (System.nanoTime() < end) {
            boolean running = false;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                running |= t.getName().equals(WARM_UP_THREAD);
            }
            if (!running) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }
}
