package dev.treekill.agent.it;

import static dev.treekill.agent.it.JmxChecks.LONG_LONG;
import static dev.treekill.agent.it.JmxChecks.refusedByProxy;
import static dev.treekill.agent.it.JmxChecks.refusedRaw;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.mbeans.KillReport;
import dev.treekill.mbeans.TreeKillerMXBean;
import dev.treekill.testing.TaggedProcesses;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * terminateTree through a real remote JMX connection to a JVM with the agent: SIGTERM to the whole tree, then
 * SIGKILL to what is left after the grace; a tree that obeys SIGTERM needs no SIGKILL.
 */
@Timeout(150)
class JmxTerminateIT {

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    /**
     * terminateTree on a tree that ignores SIGTERM (TreeApp's stubborn shape, in its {@code wait} mode: the JVM keeps
     * the tree until told to go on): every process gets SIGTERM, none exits within the grace, so all are SIGKILLed
     * and waited for. A refused call first (negative graceMillis) kills nothing. Afterwards /proc shows nothing of
     * the tree alive, and the JDK reports the root killed by SIGKILL (137), not SIGTERM.
     */
    @OnEachJdk
    void terminateTreeEscalatesToSigkillOnATreeThatIgnoresSigterm(Jdk jdk) throws Exception {
        int size = 5;
        JvmRunner.Running app = JvmRunner.on(jdk, tagged).agent(null)
                .treeApp("wait", "stubborn", Integer.toString(size)).start();
        try {
            Map<String, String> ready = JvmRunner.Result.fields(app.awaitLine(l -> l.startsWith("ready "), Served.READY_LIMIT));
            long pid = Long.parseLong(ready.get("pid"));
            long root = Long.parseLong(ready.get("root"));
            assertEquals(app.pid(), pid, "TreeApp runs in the JVM we started");
            Set<Long> tree = new HashSet<>(TaggedProcesses.liveDescendants(root));
            tree.add(root);
            assertEquals(size, tree.size(), () -> "sh and " + (size - 1) + " sleeps: " + tree);
            assertTrue(ignoresSigterm(root), "the stubborn shape ignores SIGTERM");

            try (JmxClient jmx = JmxClient.connect(pid)) {
                TreeKillerMXBean bean = jmx.proxy();
                String why = "graceMillis must not be negative, was -1";
                refusedByProxy(() -> bean.terminateTree(root, -1), why);
                refusedRaw(() -> jmx.server.invoke(JmxClient.NAME, "terminateTree", new Object[] {root, -1L}, LONG_LONG), why);
                assertTrue(tree.stream().allMatch(TaggedProcesses::isLive), "a refused call kills nothing");
                assertEquals(0L, bean.getTreesKilled());
                assertNull(bean.getLastKill());

                CompositeData report = (CompositeData) jmx.server.invoke(JmxClient.NAME, "terminateTree",
                        new Object[] {root, 500L}, LONG_LONG);
                assertEquals(root, report.get("rootPid"), report::toString);
                assertEquals("jmx", report.get("trigger"), report::toString);
                assertArrayEquals(new long[0], (long[]) report.get("survivors"), report::toString);
                assertEquals(false, report.get("timedOut"), report::toString);
                int signalled = (Integer) report.get("signalled");
                assertTrue(signalled > 0, report::toString);
                assertEquals(size, signalled, () -> "SIGTERM went to the whole tree: " + report);
                assertEquals(size, report.get("exited"), report::toString);

                for (long p : tree) {
                    assertFalse(TaggedProcesses.isLive(p), () -> p + " of the tree is still alive after " + report);
                }
                assertEquals(List.of(pid), tagged.survivors(), "only the TreeApp JVM is left of what the test started");
                assertEquals(0, bean.getLiveDescendants());
                assertEquals(0, bean.getKillsInProgress());
                assertEquals((long) size, bean.getProcessesKilled(), "every process needed the SIGKILL");
            }
            app.send("go");
            JvmRunner.Result r = app.finish(JvmRunner.DEFAULT_LIMIT);
            Map<String, String> line = Checks.ok(r).result();
            // TreeApp's snapshot (pid and start time): nothing alive, and waitFor() says SIGKILL.
            Checks.killedCleanly(line, r);
            Checks.quietAndNothingLeft(r, tagged);
        } finally {
            app.kill();
        }
    }

    /**
     * terminateTree on a tree that exits on SIGTERM: the grace is not waited out and no SIGKILL is needed; the root
     * died of SIGTERM (143).
     */
    @OnEachJdk
    void terminateTreeOnATreeThatObeysSigtermNeedsNoSigkill(Jdk jdk) throws Exception {
        int shells = 2;
        int size = 2 * shells + 1; // the root sh, and per shell an sh and its sleep
        JvmRunner.Running app = JvmRunner.on(jdk, tagged).agent(null)
                .treeApp("wait", "obedient", Integer.toString(shells)).start();
        try {
            Map<String, String> ready = JvmRunner.Result.fields(app.awaitLine(l -> l.startsWith("ready "), Served.READY_LIMIT));
            long pid = Long.parseLong(ready.get("pid"));
            long root = Long.parseLong(ready.get("root"));
            Set<Long> tree = new HashSet<>(TaggedProcesses.liveDescendants(root));
            tree.add(root);
            assertEquals(size, tree.size(), tree::toString);
            try (JmxClient jmx = JmxClient.connect(pid)) {
                TreeKillerMXBean bean = jmx.proxy();
                // Typed, through the proxy this time; the grace is long, the tree exits well before it ends.
                KillReport report = bean.terminateTree(root, 60_000);
                assertEquals(root, report.getRootPid(), report::toString);
                assertEquals("jmx", report.getTrigger());
                assertArrayEquals(new long[0], report.getSurvivors(), report::toString);
                assertFalse(report.isTimedOut(), report::toString);
                assertEquals(size, report.getSignalled(), report::toString);
                assertEquals(size, report.getExited(), report::toString);
                for (long p : tree) {
                    assertFalse(TaggedProcesses.isLive(p), () -> p + " of the tree is still alive after " + report);
                }
                assertEquals(0L, bean.getProcessesKilled(), "SIGTERM was enough: nothing was SIGKILLed");
                assertEquals(0, bean.getKillsInProgress());
                assertEquals(1L, bean.getTreesKilled(), "one terminateTree, one tree kill");
                KillReport last = bean.getLastKill();
                assertEquals(report.getSignalled(), last.getSignalled(), "LastKill is the whole terminate: " + last);
                assertEquals(report.getExited(), last.getExited(), "LastKill is the whole terminate: " + last);
            }
            app.send("go");
            JvmRunner.Result r = app.finish(JvmRunner.DEFAULT_LIMIT);
            Map<String, String> line = Checks.ok(r).result();
            Checks.treeGone(line, r);
            assertEquals("143", line.get("exit"), () -> "the root died of SIGTERM\n" + r);
            Checks.quietAndNothingLeft(r, tagged);
        } finally {
            app.kill();
        }
    }

    /** Whether /proc says {@code pid} ignores SIGTERM (signal 15: mask bit 1 << 14 of SigIgn). */
    private static boolean ignoresSigterm(long pid) throws java.io.IOException {
        for (String l : java.nio.file.Files.readAllLines(java.nio.file.Paths.get("/proc", Long.toString(pid), "status"))) {
            if (l.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(l.substring("SigIgn:".length()).trim(), 16) & (1L << 14)) != 0;
            }
        }
        return false;
    }
}
