package dev.treekill.agent.cold;

import static dev.treekill.agent.sys.Syscalls.SIGKILL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.hook.StartHooks;
import dev.treekill.agent.proc.Environ;
import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.proc.ForwardingProc;
import dev.treekill.agent.signal.Member;
import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.Call;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.FakeSyscalls;
import dev.treekill.agent.testing.FakeProcess;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The kill without native calls (no SIGSTOP, no pidfds) against a scripted /proc and a scripted scan of it:
 * children are taken from a scan before their parent dies, a child forked after the scan read its parent is found
 * by the read of the parent after the signals (or a second scan, for a parent with several threads), one forked
 * in the instant before its parent's SIGKILL and handed to PID 1 is found by its cookie, a recycled pid is never
 * signalled, and pid 1, this JVM and its parent are never touched, whatever a scan says.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ColdTreeKillerSeamTest {
    private static final int SELF = 1000;
    private static final int ROOT = 1001;
    private static final String VARIABLE = Cookies.VARIABLE;

    private final FakeProc proc = new FakeProc()
            .put(SELF, 900, 'S', 20, 50, "java").put(900, 1, 'S', 1, 40, "bash").put(1, 0, 'S', 1, 1, "init")
            .put(ROOT, SELF, 'S', 1, 60, "sh").put(1002, ROOT, 'S', 1, 61, "worker").put(1003, 1002, 'S', 1, 62, "sleep");
    private final StartedProcesses started = new StartedProcesses(proc, StartedProcesses.Tracking.FROM_FIRST_START);

    private final FakeProcess root = new FakeProcess(ROOT, proc, started);
    private final String cookie = startRoot();

    /** The root started through the agent's start hooks; its processes carry its cookie. */
    private String startRoot() {
        StartHooks hooks = new StartHooks(started, true);
        hooks.starting();
        byte[] out = hooks.environmentBlock("PATH=/bin\0".getBytes(StandardCharsets.ISO_8859_1), new int[] {1});
        hooks.forking();
        hooks.started(root);
        String c = Environ.valueOf(new String(out, StandardCharsets.ISO_8859_1), VARIABLE);
        assertNotNull(c);
        for (int pid : new int[] {ROOT, 1002, 1003}) {
            proc.env(pid, "PATH=/bin", VARIABLE + "=" + c);
        }
        return c;
    }

    /** Signals by pid only, as the JDK's ProcessHandle does: pidfd_open is missing. */
    private static class NoPidfds extends FakeSyscalls {
        NoPidfds(FakeProc proc) {
            super(proc);
            pidfdOpenErrno = ErrnoException.ENOSYS;
        }
    }

    /**
     * 1002 forked 1004 (which cleared its cookie) just before its SIGKILL, and is still exiting ('S': its SIGKILL is
     * delivered, its exit not done; its children are still its own), with {@code threads} threads.
     */
    private final class LateChildOf1002 extends NoPidfds {
        private final int threads;

        LateChildOf1002(int threads) {
            super(ColdTreeKillerSeamTest.this.proc);
            this.threads = threads;
        }

        @Override
        public void killPid(int pid, int signal) {
            super.killPid(pid, signal);
            if (pid == 1002 && proc.stat(1004) == null) {
                proc.put(1004, 1002, 'S', 1, 63, "late child").env(1004, "PATH=/bin");
                proc.put(1002, ROOT, 'S', threads, 61, "worker");
            }
        }
    }

    /** Each test runs on both ways of taking a tree: the walk of children files, and the scans from its root on. */
    enum Way {
        WALK, SCANS
    }

    /** A cold killer whose scans are linked only where a test says so. */
    private ColdTreeKiller killer(FakeSyscalls sys) {
        return new ColdTreeKiller(sys, proc, new KillStats(), started, NOT_LINKED);
    }

    private static final Runnable NOT_LINKED = new Runnable() {
        @Override
        public void run() {
        }
    };

    private PendingKill kill(FakeSyscalls sys, Way way) {
        ColdTreeKiller killer = killer(sys);
        if (way == Way.SCANS) {
            killer.enableScans(sys, 1);
        }
        return killer.kill(Target.started(started.of(root), true), Trigger.CLI);
    }

    private static void neverTouchesInitSelfOrParent(FakeSyscalls sys) {
        for (Call call : sys.signals()) {
            int pid = call.pid;
            assertFalse(pid == 1 || pid == SELF || pid == 900, () -> "touched " + pid + ": " + sys.calls);
        }
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void killsParentsFirstWithoutEverStopping(Way way) {
        FakeSyscalls sys = new NoPidfds(proc);
        PendingKill kill = kill(sys, way);
        assertEquals(3, kill.size());
        assertEquals(List.of(Call.kill(1001, SIGKILL), Call.kill(1002, SIGKILL), Call.kill(1003, SIGKILL)),
                sys.signals());
        neverTouchesInitSelfOrParent(sys);
        if (way == Way.SCANS) {
            for (Member m : kill.members()) {
                assertTrue(m.exited, "the read after the signals saw the zombie, the wait need not: " + m);
            }
        }
    }

    /** Where linking fails, a large tree is walked, and the walk does not ask again at every step. */
    @Test
    void aLinkThatFailsIsAskedOnceAndTheTreeWalked() {
        for (int pid = 3000; pid < 3000 + TreeScans.MIN_WALK; pid++) {
            proc.put(pid, 1002, 'S', 1, 70, "wide");
        }
        int[] links = new int[1];
        ColdTreeKiller killer = new ColdTreeKiller(new NoPidfds(proc), proc, new KillStats(), started, new Runnable() {
            @Override
            public void run() {
                links[0]++; // and does not link
            }
        });
        assertEquals(3 + TreeScans.MIN_WALK, killer.kill(Target.started(started.of(root), true), Trigger.CLI).size());
        assertEquals(1, links[0]);
    }

    /** A tree smaller than the walk limit is walked without linking the scans. */
    @Test
    void aSmallTreeDoesNotLinkTheScans() {
        int[] links = new int[1];
        ColdTreeKiller killer = new ColdTreeKiller(new NoPidfds(proc), proc, new KillStats(), started, new Runnable() {
            @Override
            public void run() {
                links[0]++;
            }
        });
        assertEquals(3, killer.kill(Target.started(started.of(root), true), Trigger.CLI).size());
        assertEquals(0, links[0]);
    }

    /**
     * A member with two threads, alive after its SIGKILL: the child one of its threads forked after the scan is not in
     * the children files read then (it passed to a thread already read as its own thread exited), but its parent pid
     * is the member's: a second scan takes it.
     */
    @Test
    void theLateChildOfAMemberWithSeveralThreadsIsTakenByASecondScan() {
        FakeSyscalls sys = new LateChildOf1002(2);
        ForwardingProc filesMissTheChild = new ForwardingProc(proc) {
            @Override
            public int[] children(int pid, boolean allThreads) {
                int[] all = super.children(pid, allThreads);
                return pid == 1002 ? java.util.Arrays.stream(all).filter(p -> p != 1004).toArray() : all;
            }
        };
        ColdTreeKiller killer = new ColdTreeKiller(sys, filesMissTheChild, new KillStats(), started, NOT_LINKED);
        killer.enableScans(sys, 1);
        killer.kill(Target.started(started.of(root), true), Trigger.CLI);
        assertEquals(List.of(Call.kill(1001, SIGKILL), Call.kill(1002, SIGKILL), Call.kill(1003, SIGKILL),
                Call.kill(1004, SIGKILL)), sys.signals());
        neverTouchesInitSelfOrParent(sys);
    }

    /** Whatever a scan claims (a race, a bug in it): pid 1, this JVM and its parent are never taken as children. */
    @ParameterizedTest
    @EnumSource(Way.class)
    void aScanThatListsInitSelfOrParentUnderAMemberNeverGetsThemSignalled(Way way) {
        // Made younger than the tree, so that no other check (a child is younger than its parent; a signal goes to
        // the very process scanned) stands in for the rule.
        proc.put(1, 0, 'S', 1, 70, "init").put(SELF, 900, 'S', 20, 70, "java").put(900, 1, 'S', 1, 70, "bash");
        FakeSyscalls sys = new NoPidfds(proc) {
            @Override
            public int processTable(long[] pids, long[] ppids, long[] startTicks) throws ErrnoException {
                int n = super.processTable(pids, ppids, startTicks);
                long[][] lies = {{1, ROOT, 70}, {SELF, 1002, 70}, {900, 1003, 70}};
                for (long[] lie : lies) {
                    if (n < pids.length) {
                        pids[n] = lie[0];
                        ppids[n] = lie[1];
                        startTicks[n] = lie[2];
                    }
                    n++;
                }
                return n;
            }
        };
        kill(sys, way);
        assertEquals(List.of(Call.kill(1001, SIGKILL), Call.kill(1002, SIGKILL), Call.kill(1003, SIGKILL)), sys.signals());
        neverTouchesInitSelfOrParent(sys);
    }

    /**
     * No SIGSTOP: a child forked after the scan (or the walk's first read) read its parent, before the parent's SIGKILL,
     * is found in the read of the parent after the signals while the parent has not exited yet (still 'S' here: its
     * SIGKILL is delivered, its exit not done).
     */
    @ParameterizedTest
    @EnumSource(Way.class)
    void aChildForkedBeforeItsParentsSignalIsKilledFromTheReadAfterItWithoutItsCookie(Way way) {
        FakeSyscalls sys = new LateChildOf1002(1);
        kill(sys, way);
        assertEquals(List.of(Call.kill(1001, SIGKILL), Call.kill(1002, SIGKILL), Call.kill(1003, SIGKILL),
                Call.kill(1004, SIGKILL)), sys.signals());
    }

    /** Parents first even where pids wrapped (a child with a lower pid than its parent's takes a second pass). */
    @ParameterizedTest
    @EnumSource(Way.class)
    void aTreeWhosePidsWrappedIsKilledParentsFirst(Way way) {
        proc.put(500, 1003, 'S', 1, 64, "wrapped").put(400, 500, 'S', 1, 65, "wrapped again").put(1004, 400, 'S', 1, 66, "leaf");
        FakeSyscalls sys = new NoPidfds(proc);
        PendingKill kill = kill(sys, way);
        assertEquals(6, kill.size());
        assertEquals(List.of(Call.kill(1001, SIGKILL), Call.kill(1002, SIGKILL), Call.kill(1003, SIGKILL),
                Call.kill(500, SIGKILL), Call.kill(400, SIGKILL), Call.kill(1004, SIGKILL)), sys.signals());
    }

    /**
     * The hand-over from the walk to the scans part-way: some members walked and signalled, some pinned and waiting,
     * the rest below them unread; every one is killed once, parents first, and no member is signalled twice.
     */
    @Test
    void aTreeHandedFromTheWalkToTheScansPartWayIsKilledWhole() {
        proc.put(1010, 1003, 'S', 1, 70, "a").put(1011, 1003, 'S', 1, 70, "b").put(1012, 1010, 'S', 1, 71, "c")
                .put(1013, 1012, 'S', 1, 72, "d").put(1014, 1011, 'S', 1, 71, "e");
        FakeSyscalls sys = new NoPidfds(proc);
        ColdTreeKiller killer = killer(sys);
        killer.enableScans(sys, 4);
        PendingKill kill = killer.kill(Target.started(started.of(root), true), Trigger.CLI);
        assertEquals(8, kill.size());
        List<Call> signals = sys.signals();
        assertEquals(8, signals.size(), sys.calls::toString);
        assertEquals(sys.signalled(SIGKILL).size(), signals.size(), "each once: " + sys.calls);
        for (int[] parentChild : new int[][] {{1001, 1002}, {1002, 1003}, {1003, 1010}, {1003, 1011}, {1010, 1012},
                {1012, 1013}, {1011, 1014}}) {
            assertTrue(signals.indexOf(Call.kill(parentChild[0], SIGKILL)) < signals.indexOf(Call.kill(parentChild[1], SIGKILL)),
                    () -> "parents first: " + sys.calls);
        }
        neverTouchesInitSelfOrParent(sys);
    }

    /**
     * A member reaped during the scan whose pid went to a stranger: the stranger's child, listed after it, is not
     * taken (the parent is read again after the scan, as the walk reads it after its children). The root is that
     * member here: it died on its own after the scan read it, the JDK reaped it, and its pid was taken.
     */
    @Test
    void theChildOfAStrangerThatTookAMembersPidDuringAScanIsLeftAlone() {
        FakeSyscalls sys = new NoPidfds(proc) {
            @Override
            public int processTable(long[] pids, long[] ppids, long[] startTicks) throws ErrnoException {
                int n = super.processTable(pids, ppids, startTicks);
                if (proc.stat(1020) == null) {
                    proc.remove(ROOT).put(ROOT, 1, 'S', 1, 99, "stranger").env(ROOT, "PATH=/bin");
                    proc.put(1020, ROOT, 'S', 1, 100, "stranger's child").env(1020, "PATH=/bin");
                    proc.put(1002, 1, 'S', 1, 61, "worker"); // the root's child, handed to PID 1 with its cookie
                    if (n < pids.length) {
                        pids[n] = 1020;
                        ppids[n] = ROOT;
                        startTicks[n] = 100;
                    }
                    n++;
                }
                return n;
            }
        };
        ColdTreeKiller killer = killer(sys);
        killer.enableScans(sys, 1);
        killer.kill(Target.started(started.of(root), true), Trigger.CLI);
        assertTrue(sys.signalled(SIGKILL).contains(1003), "the rest of the tree is killed: " + sys.calls);
        assertFalse(sys.signalled(SIGKILL).contains(1020), sys.calls::toString);
        assertFalse(sys.signalled(SIGKILL).contains(ROOT), "the stranger: " + sys.calls);
        neverTouchesInitSelfOrParent(sys);
    }

    /**
     * A large tree met before the background thread linked the scans: the kill links them itself and scans the tree
     * rather than walking it.
     */
    @Test
    void aLargeTreeMetBeforeTheScansAreLinkedLinksThem() {
        for (int pid = 3000; pid < 3000 + TreeScans.MIN_WALK; pid++) {
            proc.put(pid, ROOT, 'S', 1, 70, "wide");
        }
        FakeSyscalls sys = new NoPidfds(proc);
        ColdTreeKiller[] killer = new ColdTreeKiller[1];
        int[] links = new int[1];
        killer[0] = new ColdTreeKiller(sys, proc, new KillStats(), started, new Runnable() {
            @Override
            public void run() {
                links[0]++;
                killer[0].enableScans(sys, 0);
            }
        });
        PendingKill kill = killer[0].kill(Target.started(started.of(root), true), Trigger.CLI);
        assertEquals(1, links[0]);
        assertEquals(3 + TreeScans.MIN_WALK, kill.size());
        int scanned = 0;
        for (Member m : kill.members()) {
            scanned += m.byStartTime ? 1 : 0;
        }
        assertEquals(2 + TreeScans.MIN_WALK, scanned, "every process but the root from the scan");
        neverTouchesInitSelfOrParent(sys);
    }

    /** More processes than the scan's first arrays hold: the scan grows them and sees every one. */
    @ParameterizedTest
    @EnumSource(Way.class)
    void aTreeLargerThanTheScansFirstArraysIsKilledWhole(Way way) {
        for (int pid = 3000; pid < 4500; pid++) {
            proc.put(pid, 1002, 'S', 1, 70, "wide");
        }
        FakeSyscalls sys = new NoPidfds(proc);
        assertEquals(3 + 1500, kill(sys, way).size());
        assertEquals(3 + 1500, sys.signalled(SIGKILL).size());
        neverTouchesInitSelfOrParent(sys);
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aChildForkedJustBeforeItsParentDiedIsFoundByItsCookieUnderPid1(Way way) {
        FakeSyscalls sys = new NoPidfds(proc) {
            @Override
            public void killPid(int pid, int signal) {
                super.killPid(pid, signal);
                if (pid == 1002 && proc.stat(1004) == null) {
                    // 1002 had just forked 1004 and died at once: 1004 now belongs to PID 1, unseen from 1002.
                    proc.remove(1002).put(1004, 1, 'S', 1, 63, "late child").env(1004, "PATH=/bin", VARIABLE + "=" + cookie);
                    proc.put(1003, 1, 'S', 1, 62, "sleep");
                }
            }
        };
        kill(sys, way);
        assertTrue(sys.signals().contains(Call.kill(1004, SIGKILL)), sys.calls::toString);
        assertTrue(sys.signals().contains(Call.kill(1003, SIGKILL)), "pinned before its parent died: " + sys.calls);
        neverTouchesInitSelfOrParent(sys);
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aStrangerUnderPid1IsLeftAlone(Way way) {
        proc.put(2001, 1, 'S', 1, 70, "someone else's daemon").env(2001, "PATH=/bin");
        proc.put(2002, 1, 'S', 1, 70, "another tree's daemon").env(2002, "PATH=/bin", VARIABLE + "=other");
        FakeSyscalls sys = new NoPidfds(proc);
        kill(sys, way);
        assertFalse(sys.signals().contains(Call.kill(2001, SIGKILL)), sys.calls::toString);
        assertFalse(sys.signals().contains(Call.kill(2002, SIGKILL)), sys.calls::toString);
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aRecycledPidIsNeverSignalled(Way way) {
        FakeSyscalls sys = new NoPidfds(proc) {
            @Override
            public void killPid(int pid, int signal) {
                super.killPid(pid, signal);
                if (pid == 1002) {
                    // 1003, pinned just before, exited and was reaped; its pid now names a stranger.
                    proc.remove(1003).put(1003, 1, 'S', 1, 99, "stranger").env(1003, "PATH=/bin");
                }
            }
        };
        kill(sys, way);
        assertFalse(sys.signals().contains(Call.kill(1003, SIGKILL)), sys.calls::toString);
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void theChildrenOfAStrangerAtAKilledMembersRecycledPidAreLeftAlone(Way way) {
        FakeSyscalls sys = new NoPidfds(proc) {
            @Override
            public void killPid(int pid, int signal) {
                super.killPid(pid, signal);
                if (pid == 1002) {
                    // 1002 died and was reaped at once; a stranger got its pid, with a child of its own, before the
                    // read of 1002's children after the signal. 1003, pinned before, went to PID 1.
                    proc.remove(1002).put(1002, 1, 'S', 1, 99, "stranger").env(1002, "PATH=/bin");
                    proc.put(1005, 1002, 'S', 1, 100, "stranger's child").env(1005, "PATH=/bin");
                    proc.put(1003, 1, 'S', 1, 62, "sleep");
                }
            }
        };
        kill(sys, way);
        assertFalse(sys.signals().contains(Call.kill(1005, SIGKILL)), sys.calls::toString);
        assertTrue(sys.signals().contains(Call.kill(1003, SIGKILL)), "pinned before its parent died: " + sys.calls);
        neverTouchesInitSelfOrParent(sys);
    }

    @Test
    void onlyTargetsWithACookieAreTaken() {
        assertFalse(ColdTreeKiller.accepts(Target.tree(ROOT)));
        assertFalse(ColdTreeKiller.accepts(Target.allDescendantsOf(SELF)));
        assertTrue(ColdTreeKiller.accepts(Target.started(started.of(root), true)));
        ColdTreeKiller killer = killer(new NoPidfds(proc));
        assertThrows(IllegalArgumentException.class, () -> killer.kill(Target.tree(ROOT), Trigger.CLI));
    }
}
