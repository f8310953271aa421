package dev.treekill.agent.hook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.linux.TreeKiller;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.machine.Engines;
import dev.treekill.agent.options.AgentOptions;
import dev.treekill.agent.options.Settings;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.ForwardingSyscalls;
import dev.treekill.agent.sys.NativeAccess;
import dev.treekill.agent.sys.Syscalls;
import dev.treekill.testing.TaggedProcesses;
import dev.treekill.testing.TreeShapes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The hook logic in-process, on real processes (the out-of-process tests run it inside the JDK). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DestroyHooksTest {
    @RegisterExtension
    final TaggedProcesses procs = new TaggedProcesses();

    private final KillStats stats = new KillStats();
    private final Engine engine = Engines.forThisMachine(stats);

    private DestroyHooks hooks(String options) {
        return new DestroyHooks(new Settings(AgentOptions.parse(options)), () -> engine, stats, new StartedProcesses());
    }

    @Test
    void destroyForciblyKillsAndWaitsForTheTree() throws Exception {
        Process root = procs.shell(TreeShapes.WIDE, 20);
        TaggedProcesses.awaitDescendants(root, 19);
        DestroyHooks hooks = hooks("");
        Object token = hooks.enter(root, Hooks.PROCESS_DESTROY_FORCIBLY);
        root.destroyForcibly(); // what the JDK's own method body does between the hooks
        hooks.exit(token);
        assertEquals(List.of(), procs.survivors());
        assertEquals(137, root.waitFor());
        assertEquals(20, stats.lastKill().signalled);
    }

    @Test
    void destroySendsSigtermToTheTreeUnlessTheOptionSaysChild() throws Exception {
        Process root = procs.shell(TreeShapes.OBEDIENT, 3);
        TaggedProcesses.awaitDescendants(root, 6);
        assertNull(hooks("destroy=child").enter(root, Hooks.PROCESS_DESTROY));
        assertEquals(6, TaggedProcesses.liveDescendants(root.pid()).size(), "destroy=child signals nothing itself");
        assertNull(hooks("").enter(root, Hooks.PROCESS_DESTROY));
        TaggedProcesses.await("the tree to exit on SIGTERM", Duration.ofSeconds(30), () -> procs.survivors().isEmpty());
    }

    @Test
    void mixedLeavesTheSigtermToTheJdkAndSigkillsTheWholeTreeWhenTheGraceEnds() throws Exception {
        Process root = procs.shell(TreeShapes.OBEDIENT, 2);
        TaggedProcesses.awaitDescendants(root, 4);
        // The grace is long enough that the check below, right after enter(), cannot race the escalation on a loaded machine.
        assertNull(hooks("destroy=mixed,grace=3s").enter(root, Hooks.PROCESS_DESTROY));
        assertEquals(4, TaggedProcesses.liveDescendants(root.pid()).size(), "no SIGTERM from the agent: the tree lives on");
        assertTrue(root.isAlive());
        TaggedProcesses.await("SIGKILL to the whole tree after the grace", Duration.ofSeconds(30), () -> procs.survivors().isEmpty());
        assertEquals(137, root.waitFor());
    }

    @Test
    void disabledOrDeadRootsAreLeftToTheJdk() throws Exception {
        DestroyHooks hooks = hooks("");
        Process done = procs.shell("exit 3");
        assertEquals(3, done.waitFor());
        assertNull(hooks.enter(done, Hooks.PROCESS_DESTROY_FORCIBLY));
        Process root = procs.shell(TreeShapes.WIDE, 2);
        Settings settings = new Settings(AgentOptions.defaults());
        settings.setEnabled(false);
        assertNull(new DestroyHooks(settings, () -> engine, stats, new StartedProcesses()).enter(root, Hooks.PROCESS_DESTROY_FORCIBLY));
        assertNull(hooks.enter(ProcessHandle.current(), Hooks.HANDLE_DESTROY_FORCIBLY), "this JVM is refused");
        assertTrue(root.isAlive());
    }

    /** The exitKill guard's launcher, destroyed when it stalls: the JDK's SIGKILL to it alone, no kill of the agent's. */
    @Test
    void theAgentsOwnDestroyIsLeftToTheJdk() throws Exception {
        Process root = procs.shell(TreeShapes.WIDE, 3);
        TaggedProcesses.awaitDescendants(root, 2);
        StartedProcesses started = new StartedProcesses();
        DestroyHooks hooks = new DestroyHooks(new Settings(AgentOptions.defaults()), () -> engine, stats, started);
        assertNull(started.asAgentsOwn(() -> hooks.enter(root, Hooks.PROCESS_DESTROY_FORCIBLY)));
        assertEquals(2, TaggedProcesses.liveDescendants(root.pid()).size(), "nothing signalled by the agent");
        assertEquals(0, stats.treesKilled(), "no kill counted");
        Object token = hooks.enter(root, Hooks.PROCESS_DESTROY_FORCIBLY); // the mark ended: the application's destroy
        root.destroyForcibly();
        hooks.exit(token);
        assertEquals(List.of(), procs.survivors());
    }

    @Test
    void onTimeoutThrowNamesTheSurvivors() throws Exception {
        Process root = procs.shell(TreeShapes.WIDE, 2);
        TaggedProcesses.awaitDescendants(root, 1);
        // SIGKILL cannot be made to fail on demand; a seam that drops it can.
        Syscalls dropsKills = new ForwardingSyscalls(NativeAccess.syscalls()) {
            @Override
            public void pidfdSendSignal(int pidfd, int signal) throws ErrnoException {
                if (signal != SIGKILL) {
                    super.pidfdSendSignal(pidfd, signal);
                }
            }
        };
        Engine stubborn = new TreeKiller(dropsKills, ProcSource.system(), stats);
        DestroyHooks hooks = new DestroyHooks(new Settings(AgentOptions.parse("onTimeout=throw,timeout=300ms")),
                () -> stubborn, stats, new StartedProcesses());
        Log.Level level = Log.level();
        Log.setLevel(Log.Level.OFF);
        try {
            Object token = hooks.enter(root, Hooks.PROCESS_DESTROY_FORCIBLY);
            TreeSurvivorsException e = assertThrows(TreeSurvivorsException.class, () -> hooks.exit(token));
            assertTrue(e.getMessage().contains(Long.toString(root.pid())), e.getMessage());
            assertTrue(e.getMessage().contains("2 processes"), e.getMessage());
            assertEquals(1, stats.reapTimeouts());
        } finally {
            Log.setLevel(level);
        }
    }

    @Test
    void hookFailuresAreCountedAndNeverReachTheCaller() {
        DestroyHooks hooks = new DestroyHooks(new Settings(AgentOptions.defaults()), () -> {
            throw new IllegalStateException("engine unavailable");
        }, stats, new StartedProcesses());
        Hooks.Handler handler = hooks;
        Log.Level level = Log.level();
        Log.setLevel(Log.Level.OFF);
        try {
            hooks.failed(new RuntimeException("boom"));
            assertEquals(1, stats.errors());
            assertThrows(IllegalStateException.class, () -> handler.enter(ProcessHandle.current(), Hooks.HANDLE_DESTROY));
        } finally {
            Log.setLevel(level);
        }
    }

    /** A library tells what a test ended itself (left to die) from a leak by this mark. */
    @Test
    void destroyAndDestroyForciblyMarkTheStartRecord() throws Exception {
        StartedProcesses started = new StartedProcesses();
        DestroyHooks hooks = new DestroyHooks(new Settings(AgentOptions.parse("")), () -> engine, stats, started);
        Process forced = procs.shell("exec sleep 60");
        Process terminated = procs.shell("exec sleep 60");
        Process untouched = procs.shell("exec sleep 60");
        for (Process p : List.of(forced, terminated, untouched)) {
            started.started(0, p, null);
        }
        Object token = hooks.enter(forced, Hooks.PROCESS_DESTROY_FORCIBLY);
        forced.destroyForcibly();
        hooks.exit(token);
        hooks.enter(terminated, Hooks.PROCESS_DESTROY);
        terminated.destroy();

        assertTrue(started.of(forced).destroyed());
        assertTrue(started.of(terminated).destroyed());
        assertFalse(started.of(untouched).destroyed());
    }
}
