package dev.treekill.agent.linux;

import static dev.treekill.agent.sys.Syscalls.SIGCONT;
import static dev.treekill.agent.sys.Syscalls.SIGKILL;
import static dev.treekill.agent.sys.Syscalls.SIGSTOP;
import static dev.treekill.agent.sys.Syscalls.SIGTERM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.sys.Call;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.FakeSyscalls;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The freeze and the wait against a scripted /proc: races that real processes produce only by luck. */
class TreeKillerSeamTest {
    private final FakeProc proc = new FakeProc()
            .put(1000, 900, 'S', 20, 50, "java").put(900, 1, 'S', 1, 40, "bash")
            .put(1001, 1000, 'S', 1, 60, "sh").put(1002, 1001, 'S', 1, 61, "worker");

    @ParameterizedTest(name = "children files: {0}")
    @ValueSource(booleans = {true, false})
    void aForkRacingTheStopIsCaughtByTheRescan(boolean childrenFiles) {
        proc.childrenFiles = childrenFiles;
        FakeSyscalls sys = new FakeSyscalls(proc) {
            @Override
            public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
                super.pidfdSendSignal(pidfd, signal);
                if (fdToPid.get(pidfd) == 1002 && signal == SIGSTOP && proc.stat(1003) == null) {
                    proc.put(1003, 1002, 'R', 1, 62, "forked just before stopping"); // the fork won the race
                }
            }
        };
        TreeKiller killer = new TreeKiller(sys, proc, new KillStats());
        PendingKill kill = killer.kill(1001, Trigger.CLI);
        assertEquals(3, kill.size());
        assertEquals(List.of(Call.pidfdSignal(1001, SIGSTOP), Call.pidfdSignal(1002, SIGSTOP),
                Call.pidfdSignal(1003, SIGSTOP), Call.pidfdSignal(1001, SIGKILL), Call.pidfdSignal(1002, SIGKILL),
                Call.pidfdSignal(1003, SIGKILL)), sys.signals());
    }

    @Test
    void aSnapshotTakesTheWholeTreeAndSignalsNothingButStopAndContinue() {
        FakeSyscalls sys = new FakeSyscalls(proc);
        TreeKiller killer = new TreeKiller(sys, proc, new KillStats());
        PendingKill snapshot = killer.snapshot(killer.identify(1001), Trigger.CLI);
        assertEquals(2, snapshot.size());
        assertEquals(0, snapshot.signalled());
        assertEquals(List.of(Call.pidfdSignal(1001, SIGSTOP), Call.pidfdSignal(1002, SIGSTOP),
                Call.pidfdSignal(1001, SIGCONT), Call.pidfdSignal(1002, SIGCONT)), sys.signals());
        killer.release(snapshot);
    }

    @Test
    void aMemberStoppedBeforeTheFreezeStaysStoppedAfterASnapshotOrASigterm() {
        proc.put(1002, 1001, 'T', 1, 61, "worker the application stopped");
        FakeSyscalls sys = new FakeSyscalls(proc);
        TreeKiller killer = new TreeKiller(sys, proc, new KillStats());
        killer.release(killer.snapshot(killer.identify(1001), Trigger.CLI));
        assertEquals(List.of(Call.pidfdSignal(1001, SIGSTOP), Call.pidfdSignal(1002, SIGSTOP),
                Call.pidfdSignal(1001, SIGCONT)), sys.signals(), "no SIGCONT to the worker");
        int before = sys.signals().size();
        killer.release(killer.terminate(killer.identify(1001), Trigger.CLI));
        List<Call> terminate = sys.signals().subList(before, sys.signals().size());
        assertTrue(terminate.contains(Call.pidfdSignal(1002, SIGTERM)), "the SIGTERM waits for whoever continues it");
        assertFalse(terminate.contains(Call.pidfdSignal(1002, SIGCONT)), terminate.toString());
    }

    @ParameterizedTest(name = "children files: {0}")
    @ValueSource(booleans = {true, false})
    void childrenOfAMemberWhoseParentDiedAreStillFound(boolean childrenFiles) {
        proc.childrenFiles = childrenFiles;
        FakeSyscalls sys = new FakeSyscalls(proc) {
            @Override
            public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
                super.pidfdSendSignal(pidfd, signal);
                if (fdToPid.get(pidfd) == 1002 && signal == SIGSTOP && proc.stat(1004) == null) {
                    // 1001 exits on its own; 1002 is re-parented to init but had just forked 1004.
                    proc.remove(1001).put(1002, 1, 'T', 1, 61, "worker").put(1004, 1002, 'R', 1, 63, "late child");
                }
            }
        };
        PendingKill kill = new TreeKiller(sys, proc, new KillStats()).kill(1001, Trigger.CLI);
        assertEquals(3, kill.size());
        assertTrue(sys.signals().contains(Call.pidfdSignal(1004, SIGKILL)));
    }

    @Test
    void aReapedMembersPidHandedToANewChildIsPinnedAfresh() {
        proc.put(1003, 1001, 'S', 1, 61, "another worker");
        FakeSyscalls sys = new FakeSyscalls(proc) {
            @Override
            public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
                if (fdToPid.get(pidfd) == 1002 && signal == SIGSTOP && proc.stat(1002).contains("(worker)")) {
                    // 1002 exited and was reaped; the kernel hands its pid to a new child of 1003.
                    proc.put(1002, 1003, 'R', 1, 70, "newcomer");
                    throw new ErrnoException("pidfd_send_signal", ErrnoException.ESRCH);
                }
                super.pidfdSendSignal(pidfd, signal);
            }
        };
        PendingKill kill = new TreeKiller(sys, proc, new KillStats()).kill(1001, Trigger.CLI);
        assertEquals(3, kill.size());
        assertTrue(sys.signals().contains(Call.pidfdSignal(1002, SIGSTOP)),
                "the newcomer is stopped: " + sys.signals());
        assertTrue(sys.signals().contains(Call.pidfdSignal(1002, SIGKILL)));
        assertTrue(sys.calls.contains(Call.close(1002)), "the dead member's pidfd is released");
    }

    @Test
    void aMemberCaughtInsideForkIsWaitedForUntilReallyStopped() {
        // 1002 gets SIGSTOP while inside fork(): it stays running until the fork returns, then stops,
        // and only then does its new child 1003 show up. Rescanning before it stopped would miss 1003.
        FakeSyscalls sys = new FakeSyscalls(proc) {
            @Override
            public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
                calls.add(Call.pidfdSignal(pidOf(pidfd), signal));
                if (fdToPid.get(pidfd) != 1002 || signal != SIGSTOP) {
                    proc.setState(fdToPid.get(pidfd), signal == SIGSTOP ? 'T' : 'Z');
                }
            }
        };
        int[] reads = {0};
        dev.treekill.agent.proc.ProcSource forking = new dev.treekill.agent.proc.ForwardingProc(proc) {
            @Override
            public String stat(int pid) {
                if (pid == 1002 && ++reads[0] == 4) {
                    proc.put(1003, 1002, 'S', 1, 62, "born as the fork returned").setState(1002, 'T');
                }
                return proc.stat(pid);
            }
        };
        PendingKill kill = new TreeKiller(sys, forking, new KillStats()).kill(1001, Trigger.CLI);
        assertEquals(3, kill.size());
        assertTrue(sys.signals().contains(Call.pidfdSignal(1003, SIGKILL)), sys.signals().toString());
    }

    @Test
    void aVforkParentWaitingForItsStoppedChildCountsAsStopped() {
        // dash vfork()s: the parent sleeps (D) in the kernel until its child execs, which it cannot do
        // once we stopped it. Waiting for the parent to stop would only run into the give-up limit.
        FakeSyscalls sys = new FakeSyscalls(proc) {
            @Override
            public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
                super.pidfdSendSignal(pidfd, signal);
                if (fdToPid.get(pidfd) == 1001 && signal == SIGSTOP) {
                    proc.setState(1001, 'D');
                }
            }
        };
        proc.wchans.put(1001, "kernel_clone");
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        dev.treekill.agent.log.Log.setOutput(new java.io.PrintStream(log, true));
        KillStats stats = new KillStats();
        try {
            PendingKill kill = new TreeKiller(sys, proc, stats).kill(1001, Trigger.CLI);
            assertEquals(2, kill.size());
        } finally {
            dev.treekill.agent.log.Log.setOutput(System.err);
        }
        assertEquals("", log.toString(), "no give-up warning");
        assertEquals(0, stats.errors());
    }

    @Test
    void nearTheOpenFilesLimitMembersAreSignalledByPidInstead() {
        proc.openFilesLimit = 4; // room for 2 pidfds: the root and its child; the grandchild goes by pid
        proc.put(1003, 1002, 'S', 1, 62, "grandchild");
        FakeSyscalls sys = new FakeSyscalls(proc);
        sys.readable = fd -> true; // a pidfd polls readable once its process died
        TreeKiller killer = new TreeKiller(sys, proc, new KillStats());
        PendingKill kill = killer.kill(1001, Trigger.CLI);
        assertEquals(3, kill.size());
        assertTrue(sys.signals().contains(Call.kill(1003, SIGKILL)), sys.signals().toString());
        assertTrue(sys.signals().contains(Call.pidfdSignal(1002, SIGKILL)), sys.signals().toString());
        KillResult result = killer.await(kill, Deadline.of(2000, 1000));
        assertFalse(result.timedOut, result.toString());
        assertEquals(0, sys.fdToPid.size(), "every pidfd released");
    }

    @Test
    void aRootAlreadyGoneIsAnEmptyKillNotAnError() {
        FakeSyscalls sys = new FakeSyscalls(proc);
        TreeKiller killer = new TreeKiller(sys, proc, new KillStats());
        PendingKill kill = killer.kill(4242, Trigger.CLI);
        KillResult result = killer.await(kill, Deadline.of(1000, 500));
        assertEquals(0, result.signalled);
        assertFalse(result.timedOut);
        assertTrue(sys.signals().isEmpty());
    }

    @Test
    void refusesThisJvmItsAncestorsAndPidOneWithoutSignalling() {
        FakeSyscalls sys = new FakeSyscalls(proc);
        TreeKiller killer = new TreeKiller(sys, proc, new KillStats());
        for (long pid : new long[] {1000, 900, 1, 0, -1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> killer.kill(pid, Trigger.CLI));
            assertTrue(e.getMessage().contains("pid " + pid), e.getMessage());
        }
        assertTrue(sys.signals().isEmpty());
    }

    @Test
    void theWaitEndsAtTheDeadlineWithTheSurvivorsAndWarnsOnce() {
        FakeSyscalls sys = new FakeSyscalls(proc);
        sys.readable = fd -> sys.fdToPid.get(fd) != 1002; // 1002 never exits (stuck in the kernel)
        KillStats stats = new KillStats();
        TreeKiller killer = new TreeKiller(sys, proc, stats);
        KillResult result = killer.await(killer.kill(1001, Trigger.CLI), Deadline.of(300, 100));
        assertTrue(result.timedOut);
        assertEquals(1, result.exited);
        assertEquals(1002, result.survivors[0]);
        assertEquals(1, stats.reapTimeouts());
        assertEquals(2, stats.processesKilled());
        assertEquals(0, stats.killsInProgress());
    }

    @Test
    void withoutPidfdsAZombieWithOneThreadCountsAsExited() {
        FakeSyscalls sys = new FakeSyscalls(proc);
        sys.pidfdOpenErrno = dev.treekill.agent.sys.ErrnoException.ENOSYS;
        TreeKiller killer = new TreeKiller(sys, proc, new KillStats());
        PendingKill kill = killer.kill(1001, Trigger.CLI);
        proc.put(1001, 1000, 'Z', 1, 60, "sh").remove(1002);
        KillResult result = killer.await(kill, Deadline.of(5000, 4000));
        assertFalse(result.timedOut);
        assertEquals(2, result.exited);
        assertEquals(List.of(Call.kill(1001, SIGSTOP), Call.kill(1002, SIGSTOP), Call.kill(1001, SIGKILL),
                Call.kill(1002, SIGKILL)), sys.signals());
    }
}
