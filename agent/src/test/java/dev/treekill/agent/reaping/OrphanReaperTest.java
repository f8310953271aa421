package dev.treekill.agent.reaping;

import static dev.treekill.agent.sys.Syscalls.SIGKILL;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import dev.treekill.agent.hook.StartHooks;
import dev.treekill.agent.linux.TreeKiller;
import dev.treekill.agent.proc.CountingProc;
import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.proc.ForwardingProc;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.signal.Member;
import dev.treekill.agent.starts.CookieIssuer;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.Call;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.FakeSyscalls;
import dev.treekill.agent.testing.FakeProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.treekill.agent.starts.Cookies;

/**
 * The reaper of zombies re-parented to this JVM, against a scripted /proc whose reaping works as the kernel's
 * (only a zombie child of this JVM can be reaped): it takes exactly the zombie children the JDK did not start,
 * one pid at a time, and never one that a start begun before it was seen may still have forked, none before
 * starts are tracked, and never a pid the JDK may still wait for.
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
    /** With start and exit times from the fake /proc, as where this JVM adopts orphans. */
    /** The registry's clock, moved by the test: no test waits for time to pass. */
    private final java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
    private final StartedProcesses started = new StartedProcesses(fake, StartedProcesses.Tracking.FROM_FIRST_START,
            CookieIssuer.forThisJvm(), nanos::get, SELF);

    /** A start seen and finished: tracking on, none in flight. */
    private void aStartWasSeen() {
        started.startFailed(started.forking());
    }

    private OrphanReaper reaper() {
        return new OrphanReaper(sys, fake, started);
    }

    private Set<Integer> reaped() {
        return sys.reapTried();
    }

    /** No call of any kind names pid 1 or this JVM, and no reap names a pid that is not this JVM's child. */
    @AfterEach
    void neverInitNeverSelfNeverAnotherParentsChild() {
        for (Call c : sys.calls) {
            assertFalse(c.pid == 1 || c.pid == SELF, () -> "a call on pid 1 or this JVM: " + sys.calls);
        }
        for (int pid : reaped()) {
            assertTrue(pid != 3003 && pid != 3004 && pid != 2500 && pid != 900, () -> "reaped " + pid + ": " + sys.calls);
        }
    }

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
        // its Process is not reaped yet: the JDK's reaper waits for it
        FakeProcess jdkChild = new FakeProcess(3006, fake, started);
        fake.put(3006, SELF, 'Z', 1, 72, "the JDK's child");
        started.started(started.forking(), jdkChild, null);
        assertEquals(1, reaper().reapAdopted());
        assertEquals(Set.of(3001), reaped(), sys.calls::toString);
        assertNotNull(fake.stat(3006));

        // Once the JDK reaped it, the pid is free: a zombie there now is another process, an orphan of ours.
        jdkChild.exit();
        fake.put(3006, SELF, 'Z', 1, 80, "an orphan that got the pid");
        assertEquals(1, reaper().reapAdopted());
        assertEquals(Set.of(3001, 3006), reaped());
    }

    /**
     * A zombie the JDK started, seen by a pass, then reaped by the JDK before the pass asks whose it is; its pid is
     * taken at once by the JDK's next child, which exits at once. That zombie's exit status is the JDK's (its
     * reaper waits for it): the pass must not reap by pid what it saw the JDK's. (Seen in RecycledPidIT's logs as
     * {@code waitid(<pid>): errno 10}: the pass reached waitid for a pid the JDK had just reaped.)
     */
    @Test
    void aZombieTheJdkReapsUnderThePassIsNotReapedByPidAfterwards() {
        aStartWasSeen();
        FakeProcess first = new FakeProcess(3006, fake, started);
        fake.put(3006, SELF, 'Z', 1, 72, "the JDK's child, exited");
        started.started(started.forking(), first, null);
        ProcSource jdkReapsAfterTheLook = new ForwardingProc(fake) {
            private boolean looked;

            @Override
            public String stat(int pid) {
                String stat = super.stat(pid);
                if (pid == 3006 && !looked) {
                    looked = true;
                    first.exit(); // the JDK's reaper, right after the pass saw the zombie
                }
                return stat;
            }
        };
        FakeSyscalls nextChildExitsAtOnce = new FakeSyscalls(fake) {
            @Override
            public boolean reapChild(int pidfd, int pid) throws ErrnoException {
                if (pid == 3006 && fake.stat(3006) == null) {
                    fake.put(3006, SELF, 'Z', 1, 80, "the JDK's next child, exited at once");
                    started.started(started.forking(), new FakeProcess(3006, fake, started), null);
                }
                return super.reapChild(pidfd, pid);
            }
        };
        List<Member> seen = List.of(new Member(ProcTable.read(fake, 3006), Member.NO_PIDFD));
        new OrphanReaper(nextChildExitsAtOnce, jdkReapsAfterTheLook, started).reap(seen);
        assertEquals(List.of(), nextChildExitsAtOnce.calls, "the zombie seen was the JDK's: no waitid at its pid");
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
    void beforeTheFirstStartIsSeenNothingIsReaped() {
        assertEquals(0, reaper().reapAdopted(), "every child may be one the JDK started before the agent came");
        assertEquals(Set.of(), reaped());
        assertNotNull(fake.stat(3001));
    }

    @Test
    void aZombieSeenWhileAnOlderStartIsInFlightIsLeftUntilThatStartEnds() {
        aStartWasSeen();
        long start = started.forking(); // fork() may have happened: its child exists, the JDK does not know its pid yet
        assertEquals(0, reaper().reapAdopted());
        assertEquals(Set.of(), reaped(), "not even a waitid while the start is in flight");

        started.startFailed(start);
        assertEquals(1, reaper().reapAdopted());
        assertEquals(Set.of(3001), reaped());
    }

    @Test
    void aZombieSeenWhileAStartIsInFlightIsLeftUntilItReturnsItsProcess() {
        aStartWasSeen();
        long start = started.forking();
        assertEquals(0, reaper().reapAdopted());
        FakeProcess child = new FakeProcess(3007, fake, started);
        started.started(start, child, null);
        fake.put(3007, SELF, 'Z', 1, 73, "the start's child, exited at once");
        assertEquals(1, reaper().reapAdopted());
        assertEquals(Set.of(3001), reaped(), "the registered child is the JDK's to reap");
    }

    @Test
    void aStartThatBeginsWhileTheZombiesAreReadStopsThePass() {
        aStartWasSeen();
        long[] racingStart = new long[1];
        // The start begins after the in-flight check, while /proc is read: its child may be among the zombies.
        dev.treekill.agent.proc.ProcSource racing = new CountingProc(fake) {
            private boolean raced;

            @Override
            public String stat(int pid) {
                if (pid == 3001 && !raced) {
                    raced = true;
                    racingStart[0] = started.forking();
                }
                return super.stat(pid);
            }
        };
        OrphanReaper reaper = new OrphanReaper(sys, racing, started);
        List<Member> members = new ArrayList<>();
        members.add(new Member(ProcTable.read(fake, 3001), Member.NO_PIDFD));
        assertEquals("reaped 0, left for later 1", reaper.reap(members).toString(), "left for later");
        assertEquals(Set.of(), reaped(), "nothing reaped: a start began meanwhile");

        started.startFailed(racingStart[0]);
        assertEquals("reaped 1, left for later 0", reaper.reap(members).toString());
        assertEquals(Set.of(3001), reaped());
    }

    @Test
    void aStartThatBeginsAfterTheZombieWasSeenDoesNotHoldItUp() {
        aStartWasSeen();
        OrphanReaper reaper = reaper(); // one reaper throughout: it remembers what it saw
        long older = started.forking();
        assertEquals(0, reaper.reapAdopted(), "3001 seen while an older start is in flight");
        assertEquals(Set.of(), reaped());

        long newer = started.forking(); // begins after 3001 was seen: it cannot have forked it
        fake.put(3005, SELF, 'Z', 1, 71, "a zombie first seen while the newer start is in flight");
        assertEquals(0, reaper.reapAdopted(), "the older start is still in flight");
        assertEquals(Set.of(), reaped());

        started.startFailed(older);
        assertEquals(0, reaper().reapAdopted(), "a reaper that did not see 3001 before the newer start began waits");
        assertEquals(Set.of(), reaped());
        assertEquals(1, reaper.reapAdopted(), "the newer start, still in flight, does not hold up 3001");
        assertEquals(Set.of(3001), reaped(), sys.calls::toString);
        assertNotNull(fake.stat(3005), "but 3005 was seen while the newer start was in flight: it may be its child");

        started.startFailed(newer);
        assertEquals(1, reaper.reapAdopted());
        assertEquals(Set.of(3001, 3005), reaped());
    }

    @Test
    void aStartThatBeginsWhileAPassReapsDoesNotHoldUpTheZombiesSeenBeforeIt() {
        aStartWasSeen();
        fake.put(3005, SELF, 'Z', 1, 71, "another orphan");
        long[] begun = {0};
        FakeSyscalls startsMeanwhile = new FakeSyscalls(fake) {
            @Override
            public boolean reapChild(int pidfd, int pid) throws ErrnoException {
                if (begun[0] == 0) {
                    begun[0] = started.forking(); // another thread starts a process between two reaps
                }
                return super.reapChild(pidfd, pid);
            }
        };
        assertEquals(2, new OrphanReaper(startsMeanwhile, fake, started).reapAdopted());
        assertEquals(List.of(Call.reap(3001), Call.reap(3005)), startsMeanwhile.calls);
        assertTrue(begun[0] > 0);
        started.startFailed(begun[0]);
    }

    @Test
    void aRememberedPidThatNamesAnotherZombieNowIsJudgedAfresh() {
        aStartWasSeen();
        OrphanReaper reaper = reaper();
        long first = started.forking();
        assertEquals(0, reaper.reapAdopted());
        long second = started.forking();
        started.startFailed(first);
        // 3001 was collected elsewhere and its pid taken by a process that may be the second start's child.
        fake.put(3001, SELF, 'Z', 1, 95, "a new process on the remembered pid");
        assertEquals(0, reaper.reapAdopted(), "not the zombie seen before the second start began");
        assertEquals(Set.of(), reaped());
        started.startFailed(second);
        assertEquals(1, reaper.reapAdopted());
        assertEquals(Set.of(3001), reaped());
    }

    @Test
    void startsThatAlwaysOverlapDelayAZombieByOnePassOnly() {
        aStartWasSeen();
        OrphanReaper reaper = reaper();
        long inFlight = started.forking();
        Set<Integer> expected = new TreeSet<>();
        for (int i = 0; i < 20; i++) {
            int pid = 5000 + i;
            fake.put(pid, SELF, 'Z', 1, 100 + i, "orphan " + i); // appears while a start is in flight
            int reapedNow = reaper.reapAdopted(); // its first pass: the start in flight may have forked it
            if (i == 1) {
                expected.add(3001); // there from the beginning: seen on pass 0, reaped on pass 1
            }
            if (i > 0) {
                expected.add(pid - 1); // seen on the pass before: reaped on this one, its second
            }
            assertEquals(expected, reaped(), "after pass " + i + ": " + sys.calls);
            assertEquals(i == 0 ? 0 : i == 1 ? 2 : 1, reapedNow);
            long next = started.forking(); // the next start begins before this one ends: never none in flight
            if (i % 2 == 0) {
                started.startFailed(inFlight);
            } else {
                started.started(inFlight, new FakeProcess(6000 + i, fake, started), null);
            }
            inFlight = next;
        }
        assertTrue(started.oldestInFlight() < Long.MAX_VALUE, "a start was in flight on every pass");
        started.startFailed(inFlight);
        assertEquals(1, reaper.reapAdopted());
        assertTrue(reaped().contains(5019));
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

    /** Before its fork a start may wait as long as it likes (opening a FIFO, say): it holds nothing up. */
    @Test
    void aStartThatHasNotForkedYetDoesNotHoldUpReaping() {
        aStartWasSeen();
        StartHooks hooks = new StartHooks(started, true);
        long begun = started.startsBegun();
        hooks.starting();
        hooks.environmentBlock(new byte[0], new int[] {0});
        assertEquals(Long.MAX_VALUE, started.oldestInFlight(), "nothing forked: no start in flight");
        assertEquals(begun, started.startsBegun(), "no number taken before the fork");
        OrphanReaper reaper = reaper();
        assertEquals(1, reaper.reapAdopted(), "the start under way does not hold up 3001");
        assertEquals(Set.of(3001), reaped());

        hooks.forking(); // from here its child may exist
        assertEquals(begun + 1, started.oldestInFlight());
        fake.put(3005, SELF, 'Z', 1, 71, "a zombie seen while the start forks");
        assertEquals(0, reaper.reapAdopted(), "it may be the start's child");
        fake.put(3007, SELF, 'Z', 1, 73, "the start's child, exited at once");
        hooks.started(new FakeProcess(3007, fake, started));
        assertEquals(Long.MAX_VALUE, started.oldestInFlight());
        assertEquals(1, reaper.reapAdopted());
        assertEquals(Set.of(3001, 3005), reaped(), "the start's own child is the JDK's: " + sys.calls);
    }

    @Test
    void aStartThatFailsBeforeItsForkLeavesNothingInFlightAndEndsNoOtherThreadsStart() throws Exception {
        aStartWasSeen();
        StartHooks hooks = new StartHooks(started, false);
        java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            long otherSeq = other.submit(() -> {
                hooks.starting();
                hooks.forking();
                return started.oldestInFlight();
            }).get();
            assertEquals(started.startsBegun(), otherSeq);

            hooks.starting();
            hooks.startFailed(); // failed before its fork: it had no number
            assertEquals(otherSeq, started.oldestInFlight(), "the other thread's start is still in flight");
            hooks.starting();
            hooks.forking();
            hooks.started(new FakeProcess(3008, fake, started));
            assertEquals(otherSeq, started.oldestInFlight(), "this thread ended its own start, not the other's");
            hooks.starting();
            hooks.startFailed(); // the number of the start before is not this one's
            assertEquals(otherSeq, started.oldestInFlight());
            assertEquals(0, reaper().reapAdopted(), "3001 seen while the other start is in flight");

            other.submit(hooks::startFailed).get();
            assertEquals(Long.MAX_VALUE, started.oldestInFlight());
            assertEquals(1, reaper().reapAdopted());
            assertEquals(Set.of(3001), reaped());
        } finally {
            other.shutdownNow();
        }
    }

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
    void withoutChildrenFilesAdoptedZombiesAreFoundByAScan() {
        fake.childrenFiles = false;
        aStartWasSeen();
        fake.put(3005, SELF, 'Z', 1, 71, "another orphan");
        ProcSource withoutChildrenFiles = new CountingProc(fake) {
            @Override
            public int[] children(int pid, boolean allThreads) {
                throw new AssertionError("no children files here");
            }
        };
        assertEquals(2, new OrphanReaper(sys, withoutChildrenFiles, started).reapAdopted());
        assertEquals(Set.of(3001, 3005), reaped(), sys.calls::toString);
        assertNotNull(fake.stat(3002));
        assertNotNull(fake.stat(3003));
        assertNotNull(fake.stat(3004));
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
        assertEquals("reaped 1, left for later 0", reaper().reap(members).toString());
        assertEquals(Set.of(3001), reaped(), sys.calls::toString);
        assertNotNull(fake.stat(3008), "the pid names another process now: not this member's to reap");
    }

    @Test
    void aChildReapedBySomeoneElseMeanwhileIsNoError() {
        aStartWasSeen();
        FakeSyscalls stolen = new FakeSyscalls(fake) {
            @Override
            public boolean reapChild(int pidfd, int pid) throws ErrnoException {
                calls.add(Call.reap(pid));
                throw new ErrnoException("waitid", ErrnoException.ECHILD);
            }
        };
        assertEquals(0, new OrphanReaper(stolen, fake, started).reapAdopted());
        assertEquals(List.of(Call.reap(3001)), stolen.calls);
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
