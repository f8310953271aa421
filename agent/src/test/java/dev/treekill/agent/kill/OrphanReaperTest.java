package dev.treekill.agent.kill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.kill.EscapeesSeamTest.FakeProcess;
import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.sys.ErrnoException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reaper of zombies re-parented to this JVM, against a scripted /proc whose reaping works as the kernel's
 * (only a zombie child of this JVM can be reaped): it takes exactly the zombie children the JDK did not start,
 * one pid at a time, and nothing while a start is in flight, before the first start was seen, or for a pid
 * the JDK may still wait for.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OrphanReaperTest {
    private static final int SELF = 1000;

    private final FakeProc fake = new FakeProc()
            .put(SELF, 900, 'S', 20, 50, "java").put(900, 1, 'S', 1, 40, "bash")
            .put(1, 0, 'S', 1, 1, "init")
            .put(3001, SELF, 'Z', 1, 70, "orphan")      // re-parented to us, exited: ours to reap
            .put(3002, SELF, 'S', 1, 70, "live orphan") // alive: nothing to reap
            .put(3003, 1, 'Z', 1, 70, "init's zombie")  // another parent's
            .put(3004, 2500, 'Z', 1, 70, "someone's zombie").put(2500, 1, 'S', 1, 60, "a parent that does not reap");
    private final FakeSyscalls sys = new FakeSyscalls(fake);
    private final StartedProcesses started = new StartedProcesses(null);

    /** A start seen and finished: tracking on, none in flight. */
    private void aStartWasSeen() {
        started.starting();
        started.startFailed();
    }

    private OrphanReaper reaper() {
        return new OrphanReaper(sys, fake, started);
    }

    private Set<Integer> reaped() {
        Set<Integer> out = new TreeSet<>();
        for (String c : sys.calls) {
            if (c.startsWith("reap ")) {
                out.add(Integer.parseInt(c.substring("reap ".length())));
            }
        }
        return out;
    }

    /** No call of any kind names pid 1 or this JVM, and no reap names a pid that is not this JVM's child. */
    @AfterEach
    void neverInitNeverSelfNeverAnotherParentsChild() {
        for (String c : sys.calls) {
            String[] parts = c.split(" ");
            assertFalse(parts.length > 1 && (parts[1].equals("1") || parts[1].equals(Integer.toString(SELF))),
                    () -> "a call on pid 1 or this JVM: " + sys.calls);
        }
        for (int pid : reaped()) {
            assertTrue(pid != 3003 && pid != 3004 && pid != 2500 && pid != 900, () -> "reaped " + pid + ": " + sys.calls);
        }
    }

    @Test
    void aChildFromBeforeTheAgentIsProtectedOnlyWhileItIsOurChild() {
        started.untracked(new int[] {3001}); // dynamic attach: the JDK may be waiting for it
        aStartWasSeen();
        assertEquals(0, reaper().reapAdopted());
        fake.remove(3001); // the JDK reaped it
        assertEquals(0, reaper().reapAdopted());
        fake.put(3001, SELF, 'Z', 1, 90, "an orphan that got the pid again");
        assertEquals(1, reaper().reapAdopted());
        assertEquals(Set.of(3001), reaped());
    }

    @Test
    void reapsTheZombieChildrenTheJdkDidNotStartAndNothingElse() {
        aStartWasSeen();
        fake.put(3005, SELF, 'Z', 1, 71, "another orphan");
        assertEquals(2, reaper().reapAdopted());
        assertEquals(Set.of(3001, 3005), reaped(), sys.calls::toString);
        assertNull(fake.stat(3001), "reaped: gone from /proc");
        assertNull(fake.stat(3005));
        assertNotNull(fake.stat(3002), "the live child stays");
        assertNotNull(fake.stat(3003), "init's zombie is init's business");
        assertNotNull(fake.stat(3004), "another parent's zombie is its business");
        // nothing left: a second pass reaps nothing and asks the kernel nothing
        sys.calls.clear();
        assertEquals(0, reaper().reapAdopted());
        assertEquals(List.of(), sys.calls);
        assertTrue(sys.signals().isEmpty(), "the reaper signals nothing");
    }

    @Test
    void aZombieTheJdkStartedAndStillWaitsForIsLeftToTheJdk() {
        aStartWasSeen();
        FakeProcess jdkChild = new FakeProcess(3006); // its Process is not reaped yet: the JDK's reaper waits for it
        started.starting();
        started.started(jdkChild, null);
        fake.put(3006, SELF, 'Z', 1, 72, "the JDK's child");
        assertEquals(1, reaper().reapAdopted());
        assertEquals(Set.of(3001), reaped(), sys.calls::toString);
        assertNotNull(fake.stat(3006));

        // Once the JDK reaped it, the pid is free: a zombie there now is another process, an orphan of ours.
        jdkChild.alive = false;
        assertEquals(1, reaper().reapAdopted());
        assertEquals(Set.of(3001, 3006), reaped());
    }

    @Test
    void theChildrenThisJvmHadBeforeTheAgentCameAreNeverReaped() {
        aStartWasSeen();
        started.untracked(new int[] {3001});
        assertEquals(0, reaper().reapAdopted());
        assertEquals(Set.of(), reaped());
        assertNotNull(fake.stat(3001));
    }

    @Test
    void beforeTheFirstStartIsSeenNothingIsReaped() {
        assertEquals(0, reaper().reapAdopted(), "every child may be one the JDK started before the agent came");
        assertEquals(Set.of(), reaped());
        assertNotNull(fake.stat(3001));
    }

    @Test
    void nothingIsReapedWhileAStartIsInFlightAndReapingResumesAfterIt() {
        aStartWasSeen();
        started.starting(); // fork() may have happened: its child exists, the JDK does not know its pid yet
        assertEquals(0, reaper().reapAdopted());
        assertEquals(Set.of(), reaped(), "not even a waitid while the start is in flight");

        started.startFailed();
        assertEquals(1, reaper().reapAdopted());
        assertEquals(Set.of(3001), reaped());
    }

    @Test
    void nothingIsReapedWhileAStartIsInFlightUntilItReturnsItsProcess() {
        aStartWasSeen();
        started.starting();
        assertEquals(0, reaper().reapAdopted());
        FakeProcess child = new FakeProcess(3007);
        started.started(child, null);
        fake.put(3007, SELF, 'Z', 1, 73, "the start's child, exited at once");
        assertEquals(1, reaper().reapAdopted());
        assertEquals(Set.of(3001), reaped(), "the registered child is the JDK's to reap");
    }

    @Test
    void aStartThatBeginsWhileTheZombiesAreReadStopsThePass() {
        aStartWasSeen();
        // The start begins after the in-flight check, while /proc is read: its child may be among the zombies.
        dev.treekill.agent.proc.ProcSource racing = new EscapeesSeamTest.CountingProc(fake) {
            private boolean raced;

            @Override
            public String stat(int pid) {
                if (pid == 3001 && !raced) {
                    raced = true;
                    started.starting();
                }
                return super.stat(pid);
            }
        };
        OrphanReaper reaper = new OrphanReaper(sys, racing, started);
        List<Member> members = new ArrayList<>();
        members.add(new Member(ProcTable.read(fake, 3001), -1));
        assertEquals(0, reaper.reap(members));
        assertEquals(Set.of(), reaped(), "nothing reaped: a start began meanwhile");

        started.startFailed();
        assertEquals(1, reaper.reap(members));
        assertEquals(Set.of(3001), reaped());
    }

    @Test
    void reapTakesOnlyTheMembersThatAreZombieChildrenOfThisJvmAndStillTheSameProcess() {
        aStartWasSeen();
        fake.put(3008, SELF, 'Z', 1, 80, "a newer process on a member's pid");
        List<Member> members = new ArrayList<>();
        for (int pid : new int[] {3001, 3002, 3003, 3004, 2500}) {
            members.add(new Member(ProcTable.read(fake, pid), -1));
        }
        members.add(new Member(new ProcEntry(3008, SELF, 'S', 1, 75, "the member as it was scanned"), -1));
        members.add(new Member(new ProcEntry(3009, SELF, 'S', 1, 76, "a member gone since"), -1));
        assertEquals(1, reaper().reap(members));
        assertEquals(Set.of(3001), reaped(), sys.calls::toString);
        assertNotNull(fake.stat(3008), "the pid names another process now: not this member's to reap");
    }

    @Test
    void aChildReapedBySomeoneElseMeanwhileIsNoError() {
        aStartWasSeen();
        FakeSyscalls stolen = new FakeSyscalls(fake) {
            @Override
            public boolean reapChild(int pidfd, int pid) throws ErrnoException {
                calls.add("reap " + pid);
                throw new ErrnoException("waitid", ErrnoException.ECHILD);
            }
        };
        assertEquals(0, new OrphanReaper(stolen, fake, started).reapAdopted());
        assertEquals(List.of("reap 3001"), stolen.calls);
    }

    @Test
    void afterAKillWhereOrphansAreAdoptedTheTreesOrphansAreReapedButNotTheJdksChild() {
        aStartWasSeen();
        // 1001: an orphan re-parented to us (not started by the JDK) with a child; 1101: a child the JDK started.
        fake.put(1001, SELF, 'S', 1, 60, "orphan").put(1002, 1001, 'S', 1, 61, "its child");
        fake.put(1101, SELF, 'S', 1, 60, "the JDK's child");
        FakeProcess jdkChild = new FakeProcess(1101);
        started.starting();
        started.started(jdkChild, null);
        sys.readable = fd -> true; // every pidfd polls readable once its process died

        TreeKiller killer = new TreeKiller(sys, fake, new KillStats(), started, true);
        KillResult first = killer.await(killer.kill(Target.tree(1001), "test"), Deadline.of(5000, 4000));
        assertFalse(first.timedOut);
        assertTrue(reaped().contains(1001), "the killed orphan is reaped: " + sys.calls);
        assertFalse(reaped().contains(1002), "its child is not ours (its parent is 1001)");
        assertNull(fake.stat(1001));

        KillResult second = killer.await(killer.kill(Target.started(started.of(jdkChild), true), "test"),
                Deadline.of(5000, 4000));
        assertFalse(second.timedOut);
        assertTrue(sys.signals().contains("pidfd_send_signal 3002 9"), "an orphan adopted since the JDK's child started is "
                + "claimed by its tree: " + sys.signals());
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
        TreeKiller killer = new TreeKiller(sys, fake, new KillStats(), started, false);
        killer.await(killer.kill(Target.tree(1001), "test"), Deadline.of(5000, 4000));
        assertEquals(0, killer.reapOrphans());
        assertEquals(Set.of(), reaped());
        assertNotNull(fake.stat(1001));
    }
}
