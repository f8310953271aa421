package dev.treekill.agent.linux;

import static dev.treekill.agent.sys.Syscalls.SIGKILL;
import static dev.treekill.agent.sys.Syscalls.SIGSTOP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.proc.ForwardingProc;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.sys.Call;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.FakeSyscalls;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The escalation of a terminate (SIGTERM, the grace, SIGKILL to what is left with the trees it has now) against a
 * scripted /proc: the survivors keep the pins they had, and every pidfd is closed exactly once.
 */
class EscalationSeamTest {
    /** No wait at all: the grace has ended when the escalation looks, so each member is polled once for it. */
    private static final long NO_GRACE_MILLIS = 0;

    private final FakeProc proc = new FakeProc()
            .put(1000, 900, 'S', 20, 50, "java").put(900, 1, 'S', 1, 40, "bash")
            .put(1001, 1000, 'S', 1, 60, "sh").put(1002, 1001, 'S', 1, 61, "worker");
    private final Kernel sys = new Kernel(proc);
    private final KillStats stats = new KillStats();
    private final TreeKiller killer = new TreeKiller(sys, proc, stats);

    @Test
    void aSurvivorWhosePidGoesToANewProcessOfTheSameTickIsNotTakenForIt() {
        PendingKill terminated = killer.terminate(killer.identify(1001), Trigger.DESTROY);
        // When the grace ends both are alive; right after the look at the worker it dies, is reaped, and its pid goes
        // to a stranger started in the same clock tick (61). The shell's SIGTERM handler has started a child meanwhile.
        sys.afterWorkerLook = () -> {
            sys.dies(1002);
            proc.put(1002, 900, 'S', 1, 61, "stranger");
            proc.put(1003, 1001, 'S', 1, 70, "cleanup");
        };
        KillResult result = killer.escalate(terminated, NO_GRACE_MILLIS, Deadline.of(2000, 1000));

        assertTrue(sys.workerLooked, "the worker was alive when the grace ended");
        assertEquals(List.of(), sys.toStranger, "the stranger at the worker's pid is sent nothing");
        assertEquals('S', ProcTable.read(proc, 1002).state);
        assertTrue(sys.signalled(SIGKILL).containsAll(Set.of(1001, 1003)), sys.signals().toString());
        assertEquals(0, result.survivors.length, result.toString());
        assertPidfdsClosedOnce();
        assertEquals(0, stats.killsInProgress());
    }

    @Test
    void theSurvivorsAreSeenStoppedAgainBeforeTheirChildrenAreRead() {
        // Continued after the terminate, the worker is inside fork() when the escalation's SIGSTOP comes: it stops,
        // and its child shows up, only when the fork returns (at the next read of its stat line).
        ProcSource forking = new ForwardingProc(proc) {
            @Override
            public String stat(int pid) {
                if (pid == sys.inFork && sys.stopPending) {
                    sys.stopPending = false;
                    proc.put(1003, 1002, 'S', 1, 70, "started by the SIGTERM handler");
                    proc.setState(1002, 'T');
                }
                return proc.stat(pid);
            }
        };
        TreeKiller killer = new TreeKiller(sys, forking, stats);
        PendingKill terminated = killer.terminate(killer.identify(1001), Trigger.DESTROY);
        int before = sys.signals().size();
        sys.inFork = 1002;
        KillResult result = killer.escalate(terminated, NO_GRACE_MILLIS, Deadline.of(2000, 1000));

        List<Call> escalation = sys.signals().subList(before, sys.signals().size());
        assertEquals(List.of(Call.pidfdSignal(1001, SIGSTOP), Call.pidfdSignal(1002, SIGSTOP), Call.pidfdSignal(1003, SIGSTOP),
                Call.pidfdSignal(1001, SIGKILL), Call.pidfdSignal(1002, SIGKILL), Call.pidfdSignal(1003, SIGKILL)), escalation);
        assertEquals(0, result.survivors.length, result.toString());
        assertPidfdsClosedOnce();
    }

    @Test
    void aFailureHalfWayThroughTheEscalationKillsWhatItHeldAndClosesEveryPidfdOnce() {
        proc.put(1003, 1001, 'S', 1, 62, "second worker");
        PendingKill terminated = killer.terminate(killer.identify(1001), Trigger.DESTROY);
        // The second survivor's SIGSTOP fails: the third is not stopped yet, held by the pin the terminate took alone.
        sys.failing = Call.pidfdSignal(1002, SIGSTOP);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> killer.escalate(terminated, NO_GRACE_MILLIS, Deadline.of(2000, 1000)));

        assertEquals("injected", e.getMessage());
        assertEquals(Set.of(1001, 1002, 1003), sys.signalled(SIGKILL), "none is left stopped: " + sys.signals());
        assertPidfdsClosedOnce();
        assertEquals(0, stats.killsInProgress());
    }

    @Test
    void aFailureInTheGraceWaitClosesEveryPidfdOnce() {
        PendingKill terminated = killer.terminate(killer.identify(1001), Trigger.DESTROY);
        sys.failingPoll = true;
        assertThrows(IllegalStateException.class, () -> killer.escalate(terminated, NO_GRACE_MILLIS, Deadline.of(2000, 1000)));

        assertPidfdsClosedOnce();
        assertEquals(0, stats.killsInProgress());
    }

    /** Each pidfd opened is closed, and no descriptor twice (a second close would name no process). */
    private void assertPidfdsClosedOnce() {
        long closed = sys.calls.stream().filter(c -> c.kind == Call.Kind.CLOSE).count();
        assertTrue(sys.opened > 0);
        assertEquals(sys.opened, closed, sys.calls.toString());
        assertEquals(0, sys.fdToPid.size(), "pidfds still open: " + sys.fdToPid);
        assertTrue(sys.calls.stream().noneMatch(c -> c.kind == Call.Kind.CLOSE && !c.namesAProcess()), sys.calls.toString());
    }

    /**
     * The kernel as far as pidfds go: a pidfd polls readable once its process is a zombie or dead, and a signal
     * through the pidfd of a dead process fails with ESRCH, whoever has its pid now.
     */
    private static final class Kernel extends FakeSyscalls {
        /** Run once, right after the first poll of the worker's (1002) pidfd: when the grace has ended, it is alive. */
        Runnable afterWorkerLook = () -> { };
        boolean workerLooked;
        /** Pidfds handed out (a pidfd_open that failed opened none). */
        int opened;
        /** Signals that reached a process that took a dead member's pid. */
        final List<Integer> toStranger = new ArrayList<>();
        /** A call that throws instead, once. */
        Call failing;
        boolean failingPoll;
        /** A pid whose next SIGSTOP lands inside fork(): it takes effect at the next read of its stat line. */
        int inFork;
        boolean stopPending;
        private final Set<Integer> deadFds = new HashSet<>();
        private final Set<Integer> strangerPids = new HashSet<>();

        Kernel(FakeProc proc) {
            super(proc);
        }

        /** {@code pid} dies and is reaped: its pidfds stay open, and refer to nothing alive. */
        void dies(int pid) {
            fdToPid.forEach((fd, p) -> {
                if (p == pid) {
                    deadFds.add(fd);
                }
            });
            proc.remove(pid);
            strangerPids.add(pid);
        }

        @Override
        public boolean pollReadable(int fd, int timeoutMillis) {
            if (failingPoll) {
                throw new IllegalStateException("injected");
            }
            if (deadFds.contains(fd)) {
                return true;
            }
            int pid = pidOf(fd);
            ProcEntry e = ProcTable.read(proc, pid);
            if (!workerLooked && pid == 1002) {
                workerLooked = true;
                afterWorkerLook.run();
            }
            return e == null || e.isZombie();
        }

        @Override
        public int pidfdOpen(int pid) throws ErrnoException {
            if (ProcTable.read(proc, pid) == null) {
                calls.add(Call.pidfdOpen(pid));
                throw new ErrnoException("pidfd_open", ErrnoException.ESRCH);
            }
            opened++;
            return super.pidfdOpen(pid);
        }

        @Override
        public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
            if (deadFds.contains(pidfd)) {
                calls.add(Call.pidfdSignal(pidOf(pidfd), signal));
                throw new ErrnoException("pidfd_send_signal", ErrnoException.ESRCH);
            }
            Call call = Call.pidfdSignal(pidOf(pidfd), signal);
            if (call.equals(failing)) {
                failing = null;
                throw new IllegalStateException("injected");
            }
            if (strangerPids.contains(pidOf(pidfd))) {
                toStranger.add(signal);
            }
            if (signal == SIGSTOP && pidOf(pidfd) == inFork) {
                calls.add(call);
                stopPending = true;
                return;
            }
            super.pidfdSendSignal(pidfd, signal);
        }

        @Override
        public void killPid(int pid, int signal) {
            if (strangerPids.contains(pid)) {
                toStranger.add(signal);
            }
            super.killPid(pid, signal);
        }
    }
}
