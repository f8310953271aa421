package dev.treekill.agent.reaping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.hook.StartHooks;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.signal.Member;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.testing.FakeProcess;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The children this JVM had before the agent came (dynamic attach): the JDK may still wait for them, so the orphan
 * reaper leaves them alone until their pid is gone or names another process, or until an untracked zombie has
 * stayed one for a second (the JDK's reaper would have taken its own at once); and under attach it reaps nothing
 * before those children are noted and a patched start forked.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OrphanReaperAttachTest extends OrphansFixture {
    @Test
    void aChildFromBeforeTheAgentIsProtectedOnlyWhileItIsOurChild() {
        started.noteChildrenOfBeforeAttach(fake, new int[] {3001}); // dynamic attach: the JDK may be waiting for it
        aStartWasSeen();
        assertEquals(0, reaper().reapAdopted());
        fake.remove(3001); // the JDK reaped it
        assertEquals(0, reaper().reapAdopted());
        fake.put(3001, SELF, 'Z', 1, 90, "an orphan that got the pid again");
        assertEquals(1, reaper().reapAdopted());
        assertEquals(Set.of(3001), reaped());
    }

    /** The JDK's reaper takes its children at once: an untracked child that stays a zombie was an adopted orphan. */
    @Test
    void anUntrackedChildThatStaysAZombieForASecondIsReapedAfterAll() {
        aStartWasSeen();
        started.noteChildrenOfBeforeAttach(fake, new int[] {3001, 3002});
        assertEquals(0, reaper().reapAdopted(), "a zombie just noted may be the JDK's, about to be reaped");
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(1100));
        assertEquals(1, reaper().reapAdopted(), "a second later it is forgotten, and reaped");
        assertEquals(Set.of(3001), reaped(), "the live one stays protected");
    }

    @Test
    void theChildrenThisJvmHadBeforeTheAgentCameAreNeverReaped() {
        aStartWasSeen();
        started.noteChildrenOfBeforeAttach(fake, new int[] {3001});
        assertEquals(0, reaper().reapAdopted());
        assertEquals(Set.of(), reaped());
        assertNotNull(fake.stat(3001));
    }

    @Test
    void untrackedChildrenAreProtectedUntilTheirPidIsGoneOrNamesAnotherProcess() {
        aStartWasSeen();
        fake.put(3005, SELF, 'S', 1, 71, "a child from before the agent");
        // dynamic attach: the JDK may be waiting for these; 3999 is gone already, nothing to protect
        started.noteChildrenOfBeforeAttach(fake, new int[] {3001, 3005, 3999});
        assertTrue(started.startedByJdk(3001));
        assertFalse(started.startedByJdk(3999), "an unreadable pid is not recorded");
        OrphanReaper reaper = reaper();
        assertEquals(0, reaper.reapAdopted());
        fake.setState(3005, 'Z'); // it exited: the JDK's reaper will collect it
        assertEquals(0, reaper.reapAdopted());
        assertEquals(0, reaper.reapAdopted(), "for as long as it takes");
        assertEquals(Set.of(), reaped());

        // Between two passes the JDK reaped 3001 and an orphan that took the pid exited: its start time differs.
        fake.put(3001, SELF, 'Z', 1, 95, "an orphan on a reused pid");
        assertEquals(1, reaper.reapAdopted());
        assertEquals(Set.of(3001), reaped());
        assertNotNull(fake.stat(3005), "still the JDK's child");

        fake.remove(3005); // the JDK reaped it
        assertEquals(0, reaper.reapAdopted());
        assertFalse(started.startedByJdk(3005), "forgotten once gone");
        fake.put(3005, SELF, 'Z', 1, 96, "an orphan that got the pid again");
        fake.put(3999, SELF, 'Z', 1, 97, "an orphan on the pid that was gone at attach");
        assertEquals(2, reaper.reapAdopted());
        assertEquals(Set.of(3001, 3005, 3999), reaped());
    }

    @Test
    void withoutTrackingAtTheFirstStartNothingIsReapedUntilTheChildrenAreNoted() {
        fake.remove(3001);
        fake.put(3005, SELF, 'Z', 1, 71, "the JDK's child from before the agent, exited, not collected yet");
        StartedProcesses attached = new StartedProcesses(fake, StartedProcesses.Tracking.ONCE_CHILDREN_NOTED); // dynamic attach
        OrphanReaper reaper = new OrphanReaper(sys, fake, attached);
        // Patched starts are seen, but a start in code not patched yet may still be under way.
        attached.startFailed(attached.forking());
        attached.started(attached.forking(), new FakeProcess(4001, fake, started), null);
        assertTrue(attached.startedByJdk(3005));
        assertTrue(attached.startedByJdk(4242), "before the children are noted every pid counts as the JDK's");
        assertEquals(0, reaper.reapAdopted());
        assertEquals("reaped 0, left for later 0", reaper.reap(List.of(new Member(ProcTable.read(fake, 3005), Member.NO_PIDFD))).toString());
        assertEquals(Set.of(), reaped(), "not even a waitid");

        attached.noteChildrenOfBeforeAttach(fake, ProcTable.childPids(fake, SELF)); // 3002 and 3005
        assertTrue(attached.startedByJdk(3005));
        assertFalse(attached.startedByJdk(4242));
        fake.put(3001, SELF, 'Z', 1, 90, "an orphan adopted since");
        assertEquals(1, reaper.reapAdopted());
        assertEquals(Set.of(3001), reaped());
        assertNotNull(fake.stat(3005));
    }

    @Test
    void underAttachNothingIsReapedUntilTheChildrenAreNotedAndAPatchedStartForked() {
        StartedProcesses attached = new StartedProcesses(fake, StartedProcesses.Tracking.ONCE_CHILDREN_NOTED);
        OrphanReaper reaper = new OrphanReaper(sys, fake, attached);
        attached.noteChildrenOfBeforeAttach(fake, new int[] {3002});
        assertTrue(attached.startedByJdk(3001), "no patched start forked yet");
        assertEquals(0, reaper.reapAdopted());
        StartHooks hooks = new StartHooks(attached, false);
        hooks.starting(); // a patched start that has not forked does not count
        assertTrue(attached.startedByJdk(3001));
        assertEquals(0, reaper.reapAdopted());
        hooks.forking();
        assertEquals(0, reaper.reapAdopted(), "its child may be 3001");
        hooks.startFailed();
        assertFalse(attached.startedByJdk(3001));
        assertTrue(attached.startedByJdk(3002), "noted at attach");
        assertEquals(1, reaper.reapAdopted());
        assertEquals(Set.of(3001), reaped());
    }
}
