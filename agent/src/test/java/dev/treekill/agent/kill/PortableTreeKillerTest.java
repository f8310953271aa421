package dev.treekill.agent.kill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.testing.TaggedProcesses;
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
        Process root = procs.shell(TaggedProcesses.WIDE, 6);
        TaggedProcesses.awaitDescendants(root, 5);
        List<ProcEntry> tree = killer.describe(root.pid());
        assertEquals(6, tree.size());
        assertEquals(root.pid(), tree.get(0).pid);
        // Zombies count as alive for the JDK, and PID 1 here reaps lazily: the wait may take seconds.
        KillResult result = killer.await(killer.kill(root.pid(), "test"), Deadline.of(30_000, 20_000));
        assertFalse(result.timedOut, result::toString);
        assertEquals(6, result.signalled);
        assertEquals(List.of(), procs.survivors());
        assertEquals(1, stats.treesKilled());
    }

    @Test
    void refusesTheSameTargetsAsTheLinuxEngine() {
        long parent = ProcessHandle.current().parent().orElseThrow().pid();
        assertTrue(killer.refusal(1).contains("pid <= 1"));
        assertTrue(killer.refusal(ProcessHandle.current().pid()).contains("this JVM"));
        assertTrue(killer.refusal(parent).contains("ancestor"));
        assertThrows(IllegalArgumentException.class, () -> killer.kill(parent, "test"));
        assertThrows(IllegalArgumentException.class, () -> killer.terminate(Target.tree(0), "test"));
    }
}
