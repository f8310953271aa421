package dev.treekill.agent.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.hook.StartHooks;
import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.FakeSyscalls;
import dev.treekill.agent.sys.Syscalls;
import dev.treekill.agent.testing.FakeProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;

/**
 * The agent's own children where this JVM (1000) is a subreaper: the exitKill guard (500, adopted once its launcher
 * exited, with a child of its own) and, while a guard is launched, the launcher (600, a start of the JDK's). Neither
 * counts among this JVM's descendants, and a kill of every tree of this JVM (killDescendants, the exit kill) takes
 * the application's tree (4001) only, with cookies and without (without, the launcher carries nothing the kill
 * reads as an opt-out).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HiddenGuardSeamTest {
    private static final int SELF = 1000;
    private static final int GUARD = 500;
    private static final int LAUNCHER = 600;
    private static final String GUARD_COOKIE = "treekill-guard";

    private final FakeProc fake = new FakeProc();
    private final StartedProcesses started = new StartedProcesses(fake, StartedProcesses.Tracking.FROM_FIRST_START, SELF);

    private void process(int pid, int ppid, long startTime, String... env) {
        fake.put(pid, ppid, 'S', 1, startTime, "p" + pid).env(pid, env);
    }

    /** A start through the agent's hooks, its environment {@code env} (a guard's launcher: its own cookie). */
    private void start(int pid, boolean cookies, String... env) {
        StartHooks hooks = new StartHooks(started, cookies);
        hooks.starting();
        hooks.forking();
        process(pid, SELF, 60 + pid % 100, env);
        hooks.started(new FakeProcess(pid));
    }

    private void jvmWithTreeGuardAndLauncher(CookieMode cookies) {
        process(SELF, 900, 50, "PATH=/bin");
        process(900, 1, 40, "PATH=/bin");
        start(4001, cookies == CookieMode.ON, "PATH=/bin");
        process(4002, 4001, 70, "PATH=/bin");
        process(GUARD, SELF, 80, Cookies.VARIABLE + "=" + GUARD_COOKIE);
        process(501, GUARD, 81, Cookies.VARIABLE + "=" + GUARD_COOKIE);
        started.hiddenChildren().hide(ProcTable.read(fake, GUARD));
        started.hiddenChildren().launching(GUARD_COOKIE); // a replacement guard on its way
        start(LAUNCHER, cookies == CookieMode.ON, Cookies.VARIABLE + "=" + GUARD_COOKIE);
    }

    private TreeKiller engine(FakeSyscalls sys, CookieMode cookies) {
        sys.self = SELF;
        return new TreeKiller(sys, fake, new KillStats(), started, Adoption.SUBREAPER, cookies);
    }

    @ParameterizedTest
    @EnumSource(CookieMode.class)
    void theGuardAndItsLauncherAreNoDescendantsOfThisJvm(CookieMode cookies) {
        jvmWithTreeGuardAndLauncher(cookies);
        List<Integer> pids = new ArrayList<>();
        for (ProcEntry e : engine(new FakeSyscalls(fake), cookies).ownDescendants()) {
            pids.add(e.pid);
        }
        assertEquals(List.of(4001, 4002), pids);
    }

    @ParameterizedTest
    @EnumSource(CookieMode.class)
    void everyTreeOfThisJvmIsTheApplicationsOnly(CookieMode cookies) {
        jvmWithTreeGuardAndLauncher(cookies);
        FakeSyscalls sys = new FakeSyscalls(fake);
        TreeKiller engine = engine(sys, cookies);
        engine.await(engine.kill(Target.allDescendantsOf(SELF), Trigger.JMX), Deadline.of(1000, 500));
        assertEquals(Set.of(4001, 4002), sys.signalled(Syscalls.SIGKILL), sys.signals()::toString);
        for (int own : new int[] {GUARD, 501, LAUNCHER}) {
            assertFalse(sys.touched().contains(own), () -> own + " touched: " + sys.calls);
        }
    }

    @ParameterizedTest
    @EnumSource(CookieMode.class)
    void onceTheLaunchIsOverItsLauncherIsAChildLikeAnyOther(CookieMode cookies) {
        jvmWithTreeGuardAndLauncher(cookies);
        started.hiddenChildren().launched();
        List<Integer> pids = new ArrayList<>();
        for (ProcEntry e : engine(new FakeSyscalls(fake), cookies).ownDescendants()) {
            pids.add(e.pid);
        }
        assertEquals(List.of(4001, LAUNCHER, 4002), pids, "the launcher is hidden while a launch is under way only");
    }
}
