package dev.treekill.agent.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.ForwardingSyscalls;
import dev.treekill.agent.sys.NativeAccess;
import dev.treekill.agent.sys.Syscalls;
import dev.treekill.testing.TaggedProcesses;
import dev.treekill.testing.TreeShapes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Linux engine against real process trees; /proc is checked afterwards. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TreeKillerTest {
    @RegisterExtension
    final TaggedProcesses procs = new TaggedProcesses();

    private final KillStats stats = new KillStats();
    private final TreeKiller killer = new TreeKiller(NativeAccess.syscalls(), ProcSource.system(), stats);

    private KillResult killAndWait(Process root) {
        return killer.await(killer.kill(root.pid(), Trigger.CLI), Deadline.of(30_000, 10_000));
    }

    private void assertTreeGone(KillResult result, int atLeast) {
        assertFalse(result.timedOut, result::toString);
        assertEquals(0, result.survivors.length, result::toString);
        assertTrue(result.signalled >= atLeast, result::toString);
        // A member may exit on its own between being found and being signalled: exited, not signalled.
        assertTrue(result.exited >= result.signalled, result::toString);
        assertEquals(List.of(), procs.survivors(), "tagged processes alive after the kill");
    }

    @Test
    void killsAWideTreeOfAThousand() throws Exception {
        Process root = procs.shell(TreeShapes.WIDE, 1000);
        TaggedProcesses.awaitDescendants(root, 999);
        assertTreeGone(killAndWait(root), 1000);
        assertEquals(137, root.waitFor(), "the JDK still reaps its child and sees SIGKILL");
    }

    @Test
    void killsADeepChainOfAHundred() throws Exception {
        Process root = procs.shell(TreeShapes.CHAIN, 100);
        TaggedProcesses.awaitDescendants(root, 99);
        assertTreeGone(killAndWait(root), 100);
    }

    @Test
    void killsATreeThatForksWhileItIsKilledEveryTime() throws Exception {
        for (int run = 0; run < 5; run++) {
            Process root = procs.shell(TreeShapes.FORKING, 8);
            TaggedProcesses.awaitDescendants(root, 16);
            assertTreeGone(killAndWait(root), 9);
        }
    }

    @Test
    void zombiesOfAParentThatNeverReapsDoNotStallTheWait() throws Exception {
        Process root = procs.shell(TreeShapes.ZOMBIE_PARENT, 10);
        TaggedProcesses.await("zombies under the never-reaping parents", Duration.ofSeconds(30),
                () -> root.descendants().filter(h -> !TaggedProcesses.isLive(h.pid())).count() >= 10);
        KillResult result = killAndWait(root);
        assertTreeGone(result, 11);
    }

    @Test
    void aProcessThatCannotBeKilledEndsInATimeoutReportNotAHang() throws Exception {
        Process root = procs.shell(TreeShapes.WIDE, 4);
        TaggedProcesses.awaitDescendants(root, 3);
        long stuck = TaggedProcesses.liveDescendants(root.pid()).get(0);
        // The kernel cannot be made to ignore SIGKILL on demand; a seam that drops it for one pid can.
        Syscalls dropsOneKill = new ForwardingSyscalls(NativeAccess.syscalls()) {
            @Override
            public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
                if (signal != SIGKILL || pidOf(pidfd) != stuck) {
                    super.pidfdSendSignal(pidfd, signal);
                }
            }
        };
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Log.setOutput(new PrintStream(log, true));
        try {
            TreeKiller stubborn = new TreeKiller(dropsOneKill, ProcSource.system(), stats);
            KillResult result = stubborn.await(stubborn.kill(root.pid(), Trigger.CLI), Deadline.of(1500, 500));
            assertTrue(result.timedOut);
            assertEquals(List.of(stuck), Arrays.stream(result.survivors).boxed().collect(java.util.stream.Collectors.toList()));
            assertEquals(1, stats.reapTimeouts());
            String text = log.toString();
            assertTrue(text.contains("still alive after") && text.contains(Long.toString(stuck)), text);
        } finally {
            Log.setOutput(System.err);
        }
    }

    @Test
    void terminateAsksAnObedientTreeToExit() throws Exception {
        Process root = procs.shell(TreeShapes.OBEDIENT, 5);
        TaggedProcesses.awaitDescendants(root, 10);
        PendingKill terminated = killer.terminate(Target.tree(root.pid()), Trigger.CLI);
        killer.release(terminated);
        assertTrue(terminated.signalled() >= 11);
        TaggedProcesses.await("the tree to exit on SIGTERM", Duration.ofSeconds(30), () -> procs.survivors().isEmpty());
        assertEquals(143, root.waitFor());
    }

    @Test
    void describeListsRootFirstThenParentsBeforeChildren() throws Exception {
        Process root = procs.shell(TreeShapes.CHAIN, 4);
        TaggedProcesses.awaitDescendants(root, 3);
        List<ProcEntry> tree = killer.describe(root.pid());
        assertEquals(4, tree.size());
        assertEquals(root.pid(), tree.get(0).pid);
        for (int i = 1; i < tree.size(); i++) {
            assertEquals(tree.get(i - 1).pid, tree.get(i).ppid, "a chain, in order");
        }
    }

    @Test
    void refusesToKillThisJvmOrItsParent() {
        long self = ProcessHandle.current().pid();
        long parent = ProcessHandle.current().parent().orElseThrow().pid();
        assertThrows(IllegalArgumentException.class, () -> killer.kill(self, Trigger.CLI));
        assertThrows(IllegalArgumentException.class, () -> killer.kill(parent, Trigger.CLI));
        assertTrue(ProcessHandle.of(parent).isPresent());
    }

    @Test
    void refusesAThreadIdOfThisJvmAsNotAProcess() throws Exception {
        long self = ProcessHandle.current().pid();
        long tid = -1;
        try (java.util.stream.Stream<java.nio.file.Path> tasks = java.nio.file.Files.list(java.nio.file.Paths.get("/proc/self/task"))) {
            for (java.nio.file.Path t : (Iterable<java.nio.file.Path>) tasks::iterator) {
                long id = Long.parseLong(t.getFileName().toString());
                if (id != self) {
                    tid = id;
                    break;
                }
            }
        }
        assertTrue(tid > 0, "a JVM has more than one thread");
        assertEquals(self, ProcSource.system().tgid((int) tid), "/proc answers for a thread id it does not list");
        long thread = tid;
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> killer.kill(thread, Trigger.CLI));
        assertTrue(refused.getMessage().contains("thread of process " + self), refused.getMessage());
        assertEquals(0, stats.processesKilled());
    }

    @Test
    void countsEveryKill() throws Exception {
        for (int i = 0; i < 3; i++) {
            Process root = procs.shell(TreeShapes.WIDE, 3);
            TaggedProcesses.awaitDescendants(root, 2);
            killAndWait(root);
        }
        assertEquals(3, stats.treesKilled());
        assertEquals(9, stats.processesKilled());
        assertEquals(0, stats.killsInProgress());
        assertEquals(Trigger.CLI, stats.lastKill().trigger);
    }
}
