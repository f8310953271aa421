package dev.treekill.junit.scenarios;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.junit.TreeKillExtension;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Two tests at the same time: one leaks (from its own thread and from a thread it creates), the other keeps
 * its process alive on purpose until the first one's leak has been killed, and then ends it itself.
 */
@ExtendWith(TreeKillExtension.class)
@Execution(ExecutionMode.CONCURRENT)
public class ParallelScenario {
    private static final CyclicBarrier BOTH_RUNNING = new CyclicBarrier(2);
    private static final AtomicLong LEAKED = new AtomicLong();

    @Test
    void leaking() throws Exception {
        BOTH_RUNNING.await(60, TimeUnit.SECONDS);
        Process p = Spawn.shell("parallel-leak", "sleep 300 & wait");
        AtomicReference<Process> fromThread = new AtomicReference<>();
        Thread helper = new Thread(() -> fromThread.set(Spawn.shell("parallel-thread-leak", "sleep 300 & wait")));
        helper.start();
        helper.join();
        Spawn.awaitDescendants(p, 1);
        Spawn.awaitDescendants(fromThread.get(), 1);
        LEAKED.set(p.pid());
    }

    @Test
    void keeping() throws Exception {
        Process mine = Spawn.shell("parallel-kept", "sleep 300 & wait");
        BOTH_RUNNING.await(60, TimeUnit.SECONDS);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (LEAKED.get() == 0 || Spawn.isLive(LEAKED.get())) {
            assertTrue(System.nanoTime() < end, "the other test's leak was not killed within 60 s");
            Thread.sleep(10);
        }
        assertTrue(mine.isAlive(), "the other test's check killed this test's process");
        mine.destroyForcibly().waitFor();
    }
}
