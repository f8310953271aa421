package dev.treekill.agent.portable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.testing.TaggedProcesses;
import dev.treekill.testing.TreeShapes;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fallback for machines without /proc or JNA, on real processes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PortableTreeKillerTest {
    @RegisterExtension
    final TaggedProcesses procs = new TaggedProcesses();

    private final KillStats stats = new KillStats();
    private final PortableTreeKiller killer = new PortableTreeKiller(stats);

    @Test
    void killsTheTreeAndWaitsUntilTheJdkSeesItGone() throws Exception {
        Process root = procs.shell(TreeShapes.WIDE, 6);
        TaggedProcesses.awaitDescendants(root, 5);
        List<ProcEntry> tree = killer.describe(root.pid());
        assertEquals(6, tree.size());
        assertEquals(root.pid(), tree.get(0).pid);
        // Zombies count as alive for the JDK, and PID 1 here reaps lazily: the wait may take seconds.
        KillResult result = killer.await(killer.kill(root.pid(), Trigger.CLI), Deadline.of(30_000, 20_000));
        assertFalse(result.timedOut, result::toString);
        assertEquals(6, result.signalled);
        assertEquals(List.of(), procs.survivors());
        assertEquals(1, stats.treesKilled());
    }

    /**
     * The fallback is what the exit kill gets when native access cannot load (JNA cannot, once the JDK's
     * deleteOnExit hook has run): it too spares the trees the shutdown's own work started.
     */
    @Test
    void atExitItSparesTheTreesTheShutdownStarted() throws Exception {
        StartedProcesses started = new StartedProcesses();
        PortableTreeKiller atExit = new PortableTreeKiller(stats, started);
        Process before = procs.shell(TreeShapes.WIDE, 3);
        started.started(started.forking(), before, null);
        long seq = started.forking();
        started.markSpared(seq, null);
        Process during = procs.shell(TreeShapes.WIDE, 3); // a shutdown hook's cleanup command
        started.started(seq, during, null);
        TaggedProcesses.awaitDescendants(before, 2);
        TaggedProcesses.awaitDescendants(during, 2);
        List<Long> duringTree = new java.util.ArrayList<>(TaggedProcesses.liveDescendants(during.pid()));
        KillResult result = atExit.await(atExit.kill(Target.allDescendantsButSpared(ProcessHandle.current().pid()), Trigger.EXIT),
                Deadline.of(30_000, 20_000));
        assertFalse(result.timedOut, result::toString);
        assertTrue(before.waitFor(30, TimeUnit.SECONDS), "what ran when shutdown began is killed");
        assertTrue(during.isAlive(), "the shutdown's own start is spared");
        for (long pid : duringTree) {
            assertTrue(TaggedProcesses.isLive(pid), () -> "its tree is spared too: " + pid);
        }
    }

    @Test
    void refusesTheSameTargetsAsTheLinuxEngine() {
        long parent = ProcessHandle.current().parent().orElseThrow().pid();
        assertTrue(killer.refusal(1).contains("pid <= 1"));
        assertTrue(killer.refusal(ProcessHandle.current().pid()).contains("this JVM"));
        assertTrue(killer.refusal(parent).contains("ancestor"));
        assertThrows(IllegalArgumentException.class, () -> killer.kill(parent, Trigger.CLI));
        assertThrows(IllegalArgumentException.class, () -> killer.terminate(Target.tree(0), Trigger.CLI));
    }
}
