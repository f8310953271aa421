package dev.treekill.agent.it;

import static dev.treekill.agent.it.JmxChecks.LONG;
import static dev.treekill.agent.it.JmxChecks.LONG_LONG;
import static dev.treekill.agent.it.JmxChecks.LONG_WAIT;
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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Through a real remote JMX connection to a JVM with the agent: every refusal says why, the same through the
 * typed proxy and a raw connection, and kills nothing; scope=user reaches any process of the user but never
 * this JVM or its ancestors.
 */
@Timeout(150)
class JmxRefusalIT {

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @OnEachJdk
    void everyRefusalSaysWhyAndKillsNothing(Jdk jdk) throws Exception {
        Served app = Served.trees(JvmRunner.on(jdk, tagged).agent(null), "pair:2");
        Process outsider = tagged.start(List.of("sleep", "1000"));
        try (JmxClient jmx = JmxClient.connect(app.pid)) {
            TreeKillerMXBean bean = jmx.proxy();
            long testJvm = ProcessHandle.current().pid();
            long free = JmxClient.freePid();
            Set<Long> before = new HashSet<>(tagged.survivors()); // the JVM, its 2 trees of 3, the outsider
            assertEquals(8, before.size(), before::toString);
            Map<Long, String> refusals = new java.util.LinkedHashMap<>();
            refusals.put(1L, "pid 1 is not a process treekill may signal (pid <= 1)");
            refusals.put(0L, "pid 0 is not a process treekill may signal (pid <= 1)");
            refusals.put(-5L, "pid -5 is not a process treekill may signal (pid <= 1)");
            refusals.put(app.pid, "pid " + app.pid + " is this JVM");
            refusals.put(testJvm, "pid " + testJvm + " is an ancestor of this JVM"); // the target JVM's parent
            ProcessHandle.current().parent().map(ProcessHandle::pid).filter(p -> p > 1)
                    .ifPresent(p -> refusals.put(p, "pid " + p + " is an ancestor of this JVM"));
            refusals.put(free, "pid " + free + " does not exist");
            refusals.put(5_000_000_000L, "pid 5000000000 is not a process id"); // beyond any pid_max
            refusals.put(outsider.pid(), "pid " + outsider.pid() + " is not a descendant of this JVM (pid " + app.pid
                    + ") and scope=descendants; start the agent with scope=user to allow it");

            for (Map.Entry<Long, String> r : refusals.entrySet()) {
                long pid = r.getKey();
                String why = r.getValue();
                refusedByProxy(() -> bean.killTree(pid, LONG_WAIT), why);
                refusedByProxy(() -> bean.killTree(pid), why);
                refusedByProxy(() -> bean.describeTree(pid), why);
                refusedRaw(() -> jmx.server.invoke(JmxClient.NAME, "killTree", new Object[] {pid, LONG_WAIT}, LONG_LONG), why);
                refusedRaw(() -> jmx.server.invoke(JmxClient.NAME, "describeTree", new Object[] {pid}, LONG), why);
                refusedByProxy(() -> bean.terminateTree(pid, 0), why);
                refusedRaw(() -> jmx.server.invoke(JmxClient.NAME, "terminateTree", new Object[] {pid, 0L}, LONG_LONG), why);
            }
            for (long grace : new long[] {-1, Long.MIN_VALUE}) {
                String why = "graceMillis must not be negative, was " + grace;
                refusedByProxy(() -> bean.terminateTree(app.root, grace), why);
                refusedRaw(() -> jmx.server.invoke(JmxClient.NAME, "terminateTree", new Object[] {app.root, grace}, LONG_LONG), why);
            }
            for (long timeout : new long[] {0, -1}) {
                String why = "timeoutMillis must be more than zero, was " + timeout;
                refusedByProxy(() -> bean.killTree(app.root, timeout), why);
                refusedRaw(() -> jmx.server.invoke(JmxClient.NAME, "killTree", new Object[] {app.root, timeout}, LONG_LONG), why);
                refusedByProxy(() -> bean.killDescendants(timeout), why);
                refusedRaw(() -> jmx.server.invoke(JmxClient.NAME, "killDescendants", new Object[] {timeout}, LONG), why);
            }

            // Nothing was killed: every process is still there, none was counted.
            assertEquals(before, new HashSet<>(tagged.survivors()), "the same processes alive as before");
            assertEquals(6, bean.getLiveDescendants());
            assertEquals(0L, bean.getTreesKilled());
            assertEquals(0L, bean.getProcessesKilled());
            assertEquals(0, bean.getKillsInProgress());
            assertNull(bean.getLastKill());
        } finally {
            app.app.kill();
        }
    }

    @OnEachJdk
    void scopeUserReachesAnyProcessOfTheUserButNeverThisJvmOrItsAncestors(Jdk jdk) throws Exception {
        Served app = Served.trees(JvmRunner.on(jdk, tagged).agent("scope=user"), "pair:1");
        Process outsider = tagged.start(List.of("sleep", "1000"));
        try {
            long pid = app.pid;
            try (JmxClient jmx = JmxClient.connect(pid)) {
                TreeKillerMXBean bean = jmx.proxy();
                assertEquals("user", bean.getScope());
                long testJvm = ProcessHandle.current().pid();
                refusedByProxy(() -> bean.killTree(testJvm, LONG_WAIT), "pid " + testJvm + " is an ancestor of this JVM");
                refusedByProxy(() -> bean.killTree(pid, LONG_WAIT), "pid " + pid + " is this JVM");
                refusedByProxy(() -> bean.killTree(1, LONG_WAIT), "pid 1 is not a process treekill may signal (pid <= 1)");
                assertTrue(TaggedProcesses.isLive(outsider.pid()));

                KillReport report = bean.killTree(outsider.pid(), LONG_WAIT);
                assertEquals(1, report.getSignalled(), report::toString);
                assertArrayEquals(new long[0], report.getSurvivors(), report::toString);
                assertFalse(TaggedProcesses.isLive(outsider.pid()), "the outsider is gone");
                assertEquals(137, outsider.waitFor(), "it died of SIGKILL");
            }
        } finally {
            app.app.kill();
        }
    }
}
