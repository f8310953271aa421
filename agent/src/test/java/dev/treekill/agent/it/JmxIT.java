package dev.treekill.agent.it;

import static dev.treekill.agent.it.JmxChecks.LONG;
import static dev.treekill.agent.it.JmxChecks.LONG_WAIT;
import static dev.treekill.agent.it.JmxChecks.assertNotBlank;
import static dev.treekill.agent.it.JmxChecks.assertRefusal;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.mbeans.KillReport;
import dev.treekill.mbeans.ProcessRow;
import dev.treekill.mbeans.TreeKillerMXBean;
import dev.treekill.testing.TaggedProcesses;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.management.Attribute;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The TreeKiller MXBean through a real remote JMX connection (Attach API + RMI connector, as JConsole
 * connects), in a JVM started with {@code -javaagent:treekill-agent.jar}, on JDK 17 and 25: what generic
 * clients see (names, descriptions, impacts), every attribute and operation, and exact counters under
 * concurrent kills. Refusals, terminateTree and the notification have classes of their own (JmxRefusalIT,
 * JmxTerminateIT, JmxNotificationIT).
 */
@Timeout(150)
class JmxIT {

    @RegisterExtension
    final TaggedProcesses tagged = new TaggedProcesses();

    @OnEachJdk
    void genericClientsSeeNamesDescriptionsAndImpacts(Jdk jdk) throws Exception {
        Served app = Served.trees(JvmRunner.on(jdk, tagged).agent(null), "pair:1");
        try (JmxClient jmx = JmxClient.connect(app.pid)) {
            MBeanInfo info = jmx.server.getMBeanInfo(JmxClient.NAME);
            assertNotBlank(info.getDescription(), "MBean description");

            Map<String, MBeanAttributeInfo> attributes = Arrays.stream(info.getAttributes())
                    .collect(Collectors.toMap(MBeanAttributeInfo::getName, a -> a));
            assertEquals(Set.of("Enabled", "ReapTimeoutMillis", "WarnAfterMillis", "Scope", "LiveDescendants",
                    "ZombieDescendants", "KillsInProgress", "TreesKilled", "ProcessesKilled", "ReapTimeouts", "Errors",
                    "LastKill"), attributes.keySet());
            Set<String> writable = Set.of("Enabled", "ReapTimeoutMillis", "WarnAfterMillis");
            for (MBeanAttributeInfo a : attributes.values()) {
                assertTrue(a.isReadable(), a.getName());
                assertEquals(writable.contains(a.getName()), a.isWritable(), () -> a.getName() + " writable");
                assertNotBlank(a.getDescription(), "description of attribute " + a.getName());
            }
            assertEquals("long", attributes.get("ReapTimeoutMillis").getType());
            assertEquals("java.lang.String", attributes.get("Scope").getType());
            assertEquals("int", attributes.get("LiveDescendants").getType());

            Map<String, MBeanOperationInfo> ops = new HashMap<>();
            for (MBeanOperationInfo op : info.getOperations()) {
                ops.put(op.getName() + "/" + op.getSignature().length, op);
            }
            assertEquals(Set.of("killTree/1", "killTree/2", "killDescendants/1", "terminateTree/2", "describeTree/1",
                    "resetCounters/0"), ops.keySet());
            checkOperation(ops.get("killTree/1"), MBeanOperationInfo.ACTION, "pid");
            checkOperation(ops.get("killTree/2"), MBeanOperationInfo.ACTION, "pid", "timeoutMillis");
            checkOperation(ops.get("killDescendants/1"), MBeanOperationInfo.ACTION, "timeoutMillis");
            checkOperation(ops.get("terminateTree/2"), MBeanOperationInfo.ACTION, "pid", "graceMillis");
            assertEquals(ops.get("killTree/2").getReturnType(), ops.get("terminateTree/2").getReturnType(),
                    "terminateTree returns a KillReport, as killTree does");
            checkOperation(ops.get("resetCounters/0"), MBeanOperationInfo.ACTION);
            checkOperation(ops.get("describeTree/1"), MBeanOperationInfo.INFO, "pid");
            assertNotEquals(ops.get("killTree/1").getDescription(), ops.get("killTree/2").getDescription(),
                    "each killTree overload has its own description");

            List<String> notifications = Arrays.stream(info.getNotifications())
                    .flatMap(n -> Arrays.stream(n.getNotifTypes())).collect(Collectors.toList());
            assertEquals(List.of(TreeKillerMXBean.REAP_TIMEOUT_NOTIFICATION), notifications);
            for (MBeanNotificationInfo n : info.getNotifications()) {
                assertNotBlank(n.getDescription(), "notification description");
            }
        } finally {
            app.app.kill();
        }
    }

    @OnEachJdk
    void jmxFalseRegistersNothing(Jdk jdk) throws Exception {
        Served app = Served.trees(JvmRunner.on(jdk, tagged).agent("jmx=false"), "pair:1");
        try {
            String address = JmxClient.localAddress(app.pid);
            try (javax.management.remote.JMXConnector c = javax.management.remote.JMXConnectorFactory.connect(
                    new javax.management.remote.JMXServiceURL(address))) {
                javax.management.MBeanServerConnection server = c.getMBeanServerConnection();
                assertTrue(server.isRegistered(new javax.management.ObjectName("java.lang:type=Runtime")),
                        "the platform MBeanServer is up");
                // Registration, were there one, would have happened while the server was created.
                assertFalse(server.isRegistered(JmxClient.NAME));
                assertEquals(Set.of(), server.queryNames(new javax.management.ObjectName("dev.treekill:*"), null));
            }
        } finally {
            app.app.kill();
        }
    }

    @OnEachJdk
    void attributesDescribeTreeAndKillTreeOnTheDemo(Jdk jdk) throws Exception {
        Served demo = serveDemo(jdk);
        try (JmxClient jmx = JmxClient.connect(demo.pid)) {
            TreeKillerMXBean bean = jmx.proxy();
            assertEquals(true, bean.isEnabled());
            assertEquals(true, jmx.get("Enabled"));
            assertEquals("descendants", bean.getScope());
            assertEquals(30_000L, jmx.get("ReapTimeoutMillis"));
            assertEquals(0, bean.getKillsInProgress());
            assertEquals(0L, bean.getTreesKilled());
            assertEquals(0L, jmx.get("Errors"));
            assertNull(jmx.get("LastKill"), "no kill yet");
            // The demo's workers restart a `sleep 1` every second: at that instant one is a zombie or missing.
            TaggedProcesses.await("LiveDescendants == " + demo.size, Duration.ofSeconds(10),
                    () -> bean.getLiveDescendants() == demo.size);
            assertInstanceOf(Integer.class, jmx.get("LiveDescendants"), "raw attribute type");
            assertTrue(bean.getZombieDescendants() >= 0);

            // describeTree, raw: CompositeData rows, root first, every other row's parent in the tree.
            CompositeData[] rows = awaitFullTree(jmx, demo);
            assertEquals(demo.root, rows[0].get("pid"), "root first");
            assertEquals(demo.pid, rows[0].get("ppid"), "the root is the demo JVM's child");
            Set<Object> pids = Arrays.stream(rows).map(r -> r.get("pid")).collect(Collectors.toSet());
            for (CompositeData row : rows) {
                assertTrue(row == rows[0] || pids.contains(row.get("ppid")), row::toString);
                assertTrue(((String) row.get("state")).matches("[RSDTtIWPK]"), row::toString);
                assertNotBlank((String) row.get("command"), "command of " + row);
            }
            assertTrue(Arrays.stream(rows).anyMatch(r -> r.get("command").toString().contains("java")), "the server JVM is in the tree");
            // typed: ProcessRow[]. The workers' `sleep 1`s come and go (on a busy machine more than one may be between
            // two at this instant): every process of the raw answer that is not one of them must be there again.
            ProcessRow[] typed = bean.describeTree(demo.root);
            assertEquals(demo.root, typed[0].getPid());
            Set<Long> typedPids = Arrays.stream(typed).map(ProcessRow::getPid).collect(Collectors.toSet());
            for (CompositeData row : rows) {
                assertTrue(row.get("command").equals("sleep") || typedPids.contains((Long) row.get("pid")),
                        () -> row + " missing from " + Arrays.toString(typed));
            }

            // ReapTimeoutMillis: read/write through both, refused when <= 0 and then unchanged.
            bean.setReapTimeoutMillis(5_000);
            assertEquals(5_000L, jmx.get("ReapTimeoutMillis"));
            jmx.server.setAttribute(JmxClient.NAME, new Attribute("ReapTimeoutMillis", 7_000L));
            assertEquals(7_000L, bean.getReapTimeoutMillis());
            IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> bean.setReapTimeoutMillis(0));
            assertEquals("reapTimeoutMillis must be more than zero, was 0", zero.getMessage());
            RuntimeMBeanException negative = assertThrows(RuntimeMBeanException.class,
                    () -> jmx.server.setAttribute(JmxClient.NAME, new Attribute("ReapTimeoutMillis", -1L)));
            assertRefusal(negative.getTargetException(), "reapTimeoutMillis must be more than zero, was -1");
            assertEquals(7_000L, bean.getReapTimeoutMillis(), "a refused value changes nothing");

            // Scope is read-only: an operator cannot widen what JMX may kill.
            Exception scope = assertThrows(Exception.class,
                    () -> jmx.server.setAttribute(JmxClient.NAME, new Attribute("Scope", "user")));
            assertTrue(String.valueOf(scope.getMessage()).contains("Scope"), scope::toString);
            assertEquals("descendants", jmx.get("Scope"));

            // killTree, typed: the whole tree, waited for.
            KillReport report = bean.killTree(demo.root, LONG_WAIT);
            assertEquals(demo.root, report.getRootPid(), report::toString);
            assertArrayEquals(new long[0], report.getSurvivors(), report::toString);
            assertFalse(report.isTimedOut(), report::toString);
            assertEquals("jmx", report.getTrigger());
            assertTrue(report.getSignalled() >= demo.size - 1, report::toString);
            assertEquals(report.getSignalled(), report.getExited(), report::toString);
            assertEquals(List.of(demo.pid), tagged.survivors(), "only the demo JVM may be left of what the test started");
            assertEquals(0, bean.getLiveDescendants(), "the demo JVM has no live descendant left");

            assertEquals(1L, bean.getTreesKilled());
            assertEquals((long) report.getSignalled(), jmx.get("ProcessesKilled"));
            assertEquals(0L, bean.getReapTimeouts());
            assertEquals(0, bean.getKillsInProgress());
            assertEquals(report, bean.getLastKill());
            CompositeData last = (CompositeData) jmx.get("LastKill");
            assertEquals(demo.root, last.get("rootPid"));
            assertEquals("jmx", last.get("trigger"));
            assertArrayEquals(new long[0], (long[]) last.get("survivors"));
            assertEquals(false, last.get("timedOut"));

            jmx.server.invoke(JmxClient.NAME, "resetCounters", new Object[0], new String[0]);
            assertEquals(0L, bean.getTreesKilled());
            assertEquals(0L, bean.getProcessesKilled());
            assertNull(bean.getLastKill());
        } finally {
            demo.app.kill();
        }
    }

    @OnEachJdk
    void concurrentKillsAreCountedExactly(Jdk jdk) throws Exception {
        int trees = 12;
        Served app = Served.trees(JvmRunner.on(jdk, tagged).agent(null), "pair:" + trees);
        ExecutorService clients = Executors.newFixedThreadPool(trees);
        try {
            List<Long> roots = app.roots;
            assertEquals(trees, roots.size());
            long pid = app.pid;
            try (JmxClient jmx = JmxClient.connect(pid); JmxClient second = JmxClient.connect(pid)) {
                TreeKillerMXBean bean = jmx.proxy();
                assertEquals(3 * trees, bean.getLiveDescendants());
                assertEquals(0L, bean.getTreesKilled());
                // Two connections, one thread per tree, all released at once.
                CyclicBarrier start = new CyclicBarrier(trees);
                List<Future<KillReport>> reports = new ArrayList<>();
                for (int i = 0; i < trees; i++) {
                    long root = roots.get(i);
                    TreeKillerMXBean via = (i % 2 == 0 ? jmx : second).proxy();
                    reports.add(clients.submit(() -> {
                        start.await();
                        return via.killTree(root, 30_000);
                    }));
                }
                Set<Long> killedRoots = new HashSet<>();
                for (Future<KillReport> f : reports) {
                    KillReport r = f.get(60, TimeUnit.SECONDS);
                    assertArrayEquals(new long[0], r.getSurvivors(), r::toString);
                    assertEquals(3, r.getSignalled(), r::toString);
                    assertEquals(3, r.getExited(), r::toString);
                    killedRoots.add(r.getRootPid());
                }
                assertEquals(new HashSet<>(roots), killedRoots);
                assertEquals((long) trees, bean.getTreesKilled(), "TreesKilled");
                assertEquals(3L * trees, bean.getProcessesKilled(), "ProcessesKilled");
                assertEquals(0, bean.getKillsInProgress(), "KillsInProgress");
                assertEquals(0L, bean.getReapTimeouts());
                assertEquals(0L, bean.getErrors());
                assertTrue(roots.contains(bean.getLastKill().getRootPid()), bean.getLastKill()::toString);
                assertEquals(0, bean.getLiveDescendants());
                assertEquals(List.of(pid), tagged.survivors(), "only the JVM is left");
            }
        } finally {
            clients.shutdownNow();
            app.app.kill();
        }
    }

    // ---- helpers ----

    private Served serveDemo(Jdk jdk) throws Exception {
        Served demo = Served.demo(jdk, tagged);
        assertEquals(8, demo.size, "the demo's default tree: sh, server JVM, 3 x (sh, sleep)");
        return demo;
    }

    private static CompositeData[] awaitFullTree(JmxClient jmx, Served demo) throws Exception {
        CompositeData[][] rows = new CompositeData[1][];
        TaggedProcesses.await("describeTree to list " + demo.size + " processes, none a zombie", Duration.ofSeconds(10), () -> {
            try {
                rows[0] = (CompositeData[]) jmx.server.invoke(JmxClient.NAME, "describeTree", new Object[] {demo.root}, LONG);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return rows[0].length == demo.size && Arrays.stream(rows[0]).noneMatch(r -> "Z".equals(r.get("state")));
        });
        return rows[0];
    }

    private static void checkOperation(MBeanOperationInfo op, int impact, String... parameters) {
        assertNotNull(op);
        String what = op.getName() + "/" + parameters.length;
        assertEquals(impact, op.getImpact(), () -> "impact of " + what);
        assertNotBlank(op.getDescription(), "description of " + what);
        MBeanParameterInfo[] signature = op.getSignature();
        assertEquals(List.of(parameters), Arrays.stream(signature).map(MBeanParameterInfo::getName).collect(Collectors.toList()),
                () -> "parameter names of " + what);
        for (MBeanParameterInfo p : signature) {
            assertEquals("long", p.getType(), () -> what + " " + p.getName());
            assertNotBlank(p.getDescription(), "description of " + what + " parameter " + p.getName());
        }
    }
}
