package dev.treekill.agent.reaping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.hook.StartHooks;
import dev.treekill.agent.proc.CountingProc;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.signal.Member;
import dev.treekill.agent.sys.Call;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.FakeSyscalls;
import dev.treekill.agent.testing.FakeProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Starts in flight: a zombie seen while a start that may have forked it is under way is left until that start ends
 * (its child may be that zombie, and the JDK will wait for it); a start that begins after the zombie was seen, or
 * has not forked yet, holds nothing up; starts that always overlap delay a zombie by one pass only.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OrphanReaperStartsInFlightTest extends OrphansFixture {
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
        ProcSource racing = new CountingProc(fake) {
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
}
