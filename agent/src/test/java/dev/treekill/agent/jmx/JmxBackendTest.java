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
import org.junit.jupiter.api.Test;
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
        assertTrue(backend.liveDescendants() >= 5, "two shells and their three sleeps");
        KillReport report = backend.killDescendants(10_000);
        assertFalse(report.isTimedOut(), report.toString());
        assertTrue(report.getSignalled() >= 5, report.toString());
        assertEquals(ProcessHandle.current().pid(), report.getRootPid());
        assertEquals(List.of(), procs.survivors());
        assertEquals("jmx", backend.lastKill().getTrigger());
    }
}
