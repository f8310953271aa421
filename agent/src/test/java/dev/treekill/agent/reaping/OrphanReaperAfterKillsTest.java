package dev.treekill.agent.reaping;

import static dev.treekill.agent.sys.Syscalls.SIGKILL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.linux.TreeKiller;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.sys.Call;
import dev.treekill.agent.testing.FakeProcess;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Orphan reaping through the Linux engine after a kill: where orphans are adopted, the killed tree's orphans are
 * reaped but never a child the JDK started (the engine judges liveness by the start record, never by
 * Process.isAlive()); where they are not adopted, a kill reaps nothing.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OrphanReaperAfterKillsTest extends OrphansFixture {
    /** Process.isAlive() takes the Process's lock, which the application may hold: the reaper never calls it. */
    @Test
    void livenessIsTheRecordsFlagNeverProcessIsAlive() {
        aStartWasSeen();
        fake.put(3006, SELF, 'Z', 1, 72, "the JDK's child, exited, not collected yet");
        FakeProcess jdkChild = new FakeProcess(3006, fake, started);
        started.started(started.forking(), jdkChild, null);
        FakeProcess live = new FakeProcess(3002, fake, started); // the live child: one the JDK started
        started.started(started.forking(), live, null);
        sys.readable = fd -> true;
        TreeKiller killer = new TreeKiller(sys, fake, new KillStats(), started, Adoption.SUBREAPER, CookieMode.OFF);

        assertEquals(1, killer.reapOrphans());
        assertEquals(Set.of(3001), reaped());
        killer.await(killer.kill(Target.started(started.of(live), true), Trigger.CLI), Deadline.of(5000, 4000));
        killer.reapOrphans();
        assertEquals(Set.of(3001), reaped(), "the JDK's children are left to the JDK: " + sys.calls);
        assertNotNull(fake.stat(3002));
        assertNotNull(fake.stat(3006));

        // The JDK reaps both; pid 3006 is taken by an orphan that exits.
        fake.remove(3006).remove(3002);
        jdkChild.exit();
        live.exit();
        fake.put(3006, SELF, 'Z', 1, 95, "an orphan on the JDK child's pid");
        assertEquals(1, killer.reapOrphans());
        assertEquals(Set.of(3001, 3006), reaped());
        assertEquals(0, jdkChild.isAliveCalls.get());
        assertEquals(0, live.isAliveCalls.get());
    }

    @Test
    void afterAKillWhereOrphansAreAdoptedTheTreesOrphansAreReapedButNotTheJdksChild() {
        aStartWasSeen();
        // 1001: an orphan re-parented to us (not started by the JDK) with a child; 1101: a child the JDK started.
        fake.put(1001, SELF, 'S', 1, 60, "orphan").put(1002, 1001, 'S', 1, 61, "its child");
        fake.put(1101, SELF, 'S', 1, 60, "the JDK's child");
        FakeProcess jdkChild = new FakeProcess(1101, fake, started);
        started.started(started.forking(), jdkChild, null);
        sys.readable = fd -> true; // every pidfd polls readable once its process died

        // Cookies off: an adopted cookie-less orphan may be claimed by the one live JDK child that started before it.
        TreeKiller killer = new TreeKiller(sys, fake, new KillStats(), started, Adoption.SUBREAPER, CookieMode.OFF);
        KillResult first = killer.await(killer.kill(Target.tree(1001), Trigger.CLI), Deadline.of(5000, 4000));
        assertFalse(first.timedOut);
        assertTrue(reaped().contains(1001), "the killed orphan is reaped: " + sys.calls);
        assertFalse(reaped().contains(1002), "its child is not ours (its parent is 1001)");
        assertNull(fake.stat(1001));

        KillResult second = killer.await(killer.kill(Target.started(started.of(jdkChild), true), Trigger.CLI),
                Deadline.of(5000, 4000));
        assertFalse(second.timedOut);
        assertTrue(sys.signals().contains(Call.pidfdSignal(3002, SIGKILL)),
                "an orphan adopted since the JDK's child started is claimed by its tree: " + sys.signals());
        assertTrue(reaped().contains(3002), "and reaped once killed: " + sys.calls);
        assertFalse(reaped().contains(1101), "the JDK reaps what it started: " + sys.calls);
        assertEquals("Z", String.valueOf(ProcTable.read(fake, 1101).state));
        // ...and no orphan pass takes it either while its Process is unreaped
        assertFalse(reaped().contains(1101));
        killer.reapOrphans();
        assertFalse(reaped().contains(1101), sys.calls::toString);
    }

    @Test
    void whereOrphansAreNotAdoptedAKillReapsNothing() {
        aStartWasSeen();
        fake.put(1001, SELF, 'S', 1, 60, "orphan");
        sys.readable = fd -> true;
        TreeKiller killer = new TreeKiller(sys, fake, new KillStats(), started, Adoption.NONE, CookieMode.OFF);
        killer.await(killer.kill(Target.tree(1001), Trigger.CLI), Deadline.of(5000, 4000));
        assertEquals(0, killer.reapOrphans());
        assertEquals(Set.of(), reaped());
        assertNotNull(fake.stat(1001));
    }
}
