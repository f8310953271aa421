package dev.treekill.agent.jmx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.machine.Engines;
import dev.treekill.agent.options.AgentOptions;
import dev.treekill.agent.options.Settings;
import dev.treekill.mbeans.KillReport;
import dev.treekill.mbeans.ProcessRow;
import dev.treekill.testing.TaggedProcesses;
import dev.treekill.testing.TreeShapes;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The MBean's backend in-process; JmxIT drives the same through a real connector. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JmxBackendTest {
    @RegisterExtension
    final TaggedProcesses procs = new TaggedProcesses();

    private final KillStats stats = new KillStats();
    private final Engine engine = Engines.forThisMachine(stats);

    private JmxBackend backend(String options) {
        return new JmxBackend(new Settings(AgentOptions.parse(options)), stats, () -> engine,
                new dev.treekill.agent.starts.StartedProcesses());
    }

    @Test
    void scopeDescendantsRefusesAnyOtherProcessAndUserAllowsIt() throws Exception {
        Process stranger = procs.start(List.of("/bin/sh", "-c", "sleep 1000 & wait"));
        TaggedProcesses.awaitDescendants(stranger, 1);
        long grandchild = TaggedProcesses.liveDescendants(stranger.pid()).get(0);
        // A descendant is fine under scope=descendants; the JVM's own parent never is, whatever the scope.
        ProcessRow[] rows = backend("").describeTree(grandchild);
        assertEquals(1, rows.length);
        long parent = ProcessHandle.current().parent().orElseThrow().pid();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend("scope=user").killTree(parent, 1000));
        assertTrue(e.getMessage().contains("ancestor"), e.getMessage());
        IllegalArgumentException gone = assertThrows(IllegalArgumentException.class, () -> backend("").killTree(Integer.MAX_VALUE - 7, 1000));
        assertTrue(gone.getMessage().contains("does not exist"), gone.getMessage());
        assertThrows(IllegalArgumentException.class, () -> backend("").killTree(grandchild, 0));
        assertTrue(TaggedProcesses.isLive(grandchild), "refusals kill nothing");
    }

    @Test
    void killDescendantsKillsEveryChildTreeInOneReport() throws Exception {
        Process a = procs.shell(TreeShapes.WIDE, 3);
        Process b = procs.shell(TreeShapes.WIDE, 2);
        TaggedProcesses.awaitDescendants(a, 2);
        TaggedProcesses.awaitDescendants(b, 1);
        JmxBackend backend = backend("");
        assertTrue(backend.getLiveDescendants() >= 5, "two shells and their three sleeps");
        KillReport report = backend.killDescendants(10_000);
        assertFalse(report.isTimedOut(), report.toString());
        assertTrue(report.getSignalled() >= 5, report.toString());
        assertEquals(ProcessHandle.current().pid(), report.getRootPid());
        assertEquals(List.of(), procs.survivors());
        assertEquals("jmx", backend.getLastKill().getTrigger());
    }

    /** Bad durations are refused with the contract's reason before the engine is asked anything. */
    @Test
    void badDurationsAreRefusedBeforeTheEngine() {
        Supplier<Engine> untouchable = new Supplier<Engine>() {
            @Override
            public Engine get() {
                throw new AssertionError("a refused call reached the engine");
            }
        };
        Settings settings = new Settings(AgentOptions.parse("timeout=20s,warn=3s"));
        JmxBackend backend = new JmxBackend(settings, stats, untouchable, new dev.treekill.agent.starts.StartedProcesses());
        assertRefused("timeoutMillis must be more than zero, was 0", () -> backend.killTree(4242, 0));
        assertRefused("timeoutMillis must be more than zero, was -1", () -> backend.killTree(4242, -1));
        assertRefused("timeoutMillis must be more than zero, was 0", () -> backend.killDescendants(0));
        assertRefused("graceMillis must not be negative, was -500", () -> backend.terminateTree(4242, -500));
        assertRefused("reapTimeoutMillis must be more than zero, was 0", () -> backend.setReapTimeoutMillis(0));
        assertRefused("warnAfterMillis must be more than zero, was -3", () -> backend.setWarnAfterMillis(-3));
        assertEquals(20_000, backend.getReapTimeoutMillis());
        assertEquals(3_000, backend.getWarnAfterMillis());
        backend.setReapTimeoutMillis(1_234);
        backend.setWarnAfterMillis(567);
        assertEquals(1_234, settings.timeoutMillis());
        assertEquals(567, settings.warnMillis());
    }

    private static void assertRefused(String reason, Executable call) {
        assertEquals(reason, assertThrows(IllegalArgumentException.class, call).getMessage());
    }
}
