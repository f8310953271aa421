package dev.treekill.agent.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.hook.DestroyHooks;
import dev.treekill.agent.hook.Hooks;
import dev.treekill.agent.jmx.JmxBackend;
import dev.treekill.agent.options.AgentOptions;
import dev.treekill.agent.options.Settings;
import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.proc.ForwardingProc;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.FakeSyscalls;
import dev.treekill.agent.testing.FakeProcess;
import dev.treekill.mbeans.KillReport;
import dev.treekill.testing.TaggedProcesses;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every entry point pins who it aims at (pid and start time) before anything is signalled, and a pid that
 * changed hands since is nothing to do: the engine, the destroy hooks with a stale ProcessHandle, the MBean.
 * RecycledPidIT does the same with pids really handed out again.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IdentitySeamTest {
    @RegisterExtension
    final TaggedProcesses procs = new TaggedProcesses();

    /** This JVM (1000) and its child 1001 (started at tick 60) with a child of its own. */
    private final FakeProc proc = new FakeProc()
            .put(1000, 900, 'S', 20, 50, "java").put(900, 1, 'S', 1, 40, "bash")
            .put(1001, 1000, 'S', 1, 60, "sh").put(1002, 1001, 'S', 1, 61, "worker");
    private final FakeSyscalls sys = new FakeSyscalls(proc);
    private final KillStats stats = new KillStats();

    /** The process 1001 was is gone, and a newer one (tick 70) has its pid. */
    private void recycle1001() {
        proc.remove(1002).put(1001, 1000, 'S', 1, 70, "sleep");
    }

    @Test
    void theEngineSignalsNothingWhenTheIdentifiedRootsPidChangedHands() {
        TreeKiller killer = new TreeKiller(sys, proc, stats);
        Target root = killer.identify(1001);
        assertNotNull(root);
        assertEquals(60, root.startTicks());
        recycle1001();
        PendingKill kill = killer.kill(root, Trigger.CLI);
        assertEquals(0, kill.size());
        assertEquals(List.of(), sys.signals());
        assertNull(killer.identify(4242), "no process has that pid");
    }

    @Test
    void aStaleProcessHandleIsNothingToDoForTheHooksThoughItsPidHasARecordNow() throws Exception {
        Process done = procs.shell("exit 3");
        ProcessHandle stale = done.toHandle();
        assertEquals(3, done.waitFor());
        TaggedProcesses.await("the JDK to reap it", java.time.Duration.ofSeconds(30), () -> ProcessHandle.of(done.pid()).isEmpty());
        // In this made-up /proc the JDK has since started another process at that pid, with its own cookie.
        int pid = (int) done.pid();
        proc.put(pid, 1000, 'S', 1, 500, "sleep").env(pid, "TREEKILL_COOKIE=tkB-1");
        StartedProcesses started = new StartedProcesses(proc, StartedProcesses.Tracking.FROM_FIRST_START);
        started.started(started.forking(), new FakeProcess(pid), "tkB-1");
        TreeKiller killer = new TreeKiller(sys, proc, stats, started, Adoption.NONE, CookieMode.ON);
        assertNull(killer.identify(stale), "the JDK's own start-time test says: not that process");
        DestroyHooks hooks = new DestroyHooks(new Settings(AgentOptions.defaults()), () -> killer, stats, started);
        assertNull(hooks.enter(stale, Hooks.HANDLE_DESTROY_FORCIBLY));
        assertNull(hooks.enter(stale, Hooks.HANDLE_DESTROY));
        assertEquals(List.of(), sys.signals());
    }

    @Test
    void theMBeanKillsTheProcessItCheckedNotTheNextOwnerOfItsPid() {
        FakeProc fake = new FakeProc().put(1000, 900, 'S', 20, 50, "java").put(900, 1, 'S', 1, 40, "bash")
                .put(1001, 1000, 'S', 1, 60, "sh").put(1002, 1001, 'S', 1, 61, "worker");
        ProcSource changing = new ForwardingProc(fake) {
            private int reads;

            @Override
            public String stat(int pid) {
                // The refusal's read and the identity's come first (JmxBackend checks, then pins); the third is the kill's.
                if (pid == 1001 && ++reads == 3) {
                    recycle(fake); // right after the MBean pinned it
                }
                return super.stat(pid);
            }
        };
        FakeSyscalls signals = new FakeSyscalls(fake);
        TreeKiller killer = new TreeKiller(signals, changing, stats);
        JmxBackend backend = new JmxBackend(new Settings(AgentOptions.parse("scope=user")), stats, () -> killer,
                new StartedProcesses());
        KillReport report = backend.killTree(1001, 1000);
        assertEquals(0, report.getSignalled(), report.toString());
        assertEquals(List.of(), signals.signals());
    }

    private static void recycle(FakeProc p) {
        p.remove(1002).put(1001, 1000, 'S', 1, 70, "sleep");
    }
}
