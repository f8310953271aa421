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

/**
 * The kill without native calls (no SIGSTOP, no pidfds) against a scripted /proc: children are pinned before
 * their parent dies, a child forked in the instant before its parent's SIGKILL and handed to PID 1 is found by
 * its cookie, a recycled pid is never signalled, and pid 1, this JVM and its parent are never touched.
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

    private PendingKill kill(FakeSyscalls sys) {
        return new ColdTreeKiller(sys, proc, new KillStats(), started).kill(Target.started(started.of(root), true), Trigger.CLI);
    }

    private static void neverTouchesInitSelfOrParent(FakeSyscalls sys) {
        for (Call call : sys.signals()) {
            int pid = call.pid;
            assertFalse(pid == 1 || pid == SELF || pid == 900, () -> "touched " + pid + ": " + sys.calls);
        }
    }

    @Test
    void killsParentsFirstWithoutEverStopping() {
        FakeSyscalls sys = new NoPidfds(proc);
        PendingKill kill = kill(sys);
        assertEquals(3, kill.size());
        assertEquals(List.of(Call.kill(1001, SIGKILL), Call.kill(1002, SIGKILL), Call.kill(1003, SIGKILL)),
                sys.signals());
        neverTouchesInitSelfOrParent(sys);
    }

    @Test
    void aChildForkedJustBeforeItsParentDiedIsFoundByItsCookieUnderPid1() {
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
        kill(sys);
        assertTrue(sys.signals().contains(Call.kill(1004, SIGKILL)), sys.calls::toString);
        assertTrue(sys.signals().contains(Call.kill(1003, SIGKILL)), "pinned before its parent died: " + sys.calls);
        neverTouchesInitSelfOrParent(sys);
    }

    @Test
    void aStrangerUnderPid1IsLeftAlone() {
        proc.put(2001, 1, 'S', 1, 70, "someone else's daemon").env(2001, "PATH=/bin");
        proc.put(2002, 1, 'S', 1, 70, "another tree's daemon").env(2002, "PATH=/bin", VARIABLE + "=other");
        FakeSyscalls sys = new NoPidfds(proc);
        kill(sys);
        assertFalse(sys.signals().contains(Call.kill(2001, SIGKILL)), sys.calls::toString);
        assertFalse(sys.signals().contains(Call.kill(2002, SIGKILL)), sys.calls::toString);
    }

    @Test
    void aRecycledPidIsNeverSignalled() {
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
        kill(sys);
        assertFalse(sys.signals().contains(Call.kill(1003, SIGKILL)), sys.calls::toString);
    }

    @Test
    void theChildrenOfAStrangerAtAKilledMembersRecycledPidAreLeftAlone() {
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
        kill(sys);
        assertFalse(sys.signals().contains(Call.kill(1005, SIGKILL)), sys.calls::toString);
        assertTrue(sys.signals().contains(Call.kill(1003, SIGKILL)), "pinned before its parent died: " + sys.calls);
        neverTouchesInitSelfOrParent(sys);
    }

    @Test
    void onlyTargetsWithACookieAreTaken() {
        assertFalse(ColdTreeKiller.accepts(Target.tree(ROOT)));
        assertFalse(ColdTreeKiller.accepts(Target.allDescendantsOf(SELF)));
        assertTrue(ColdTreeKiller.accepts(Target.started(started.of(root), true)));
        ColdTreeKiller killer = new ColdTreeKiller(new NoPidfds(proc), proc, new KillStats(), started);
        assertThrows(IllegalArgumentException.class, () -> killer.kill(Target.tree(ROOT), Trigger.CLI));
    }
}
