package dev.treekill.agent.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.management.Attribute;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;

/**
 * The TreeKiller MXBean through a real remote JMX connection (Attach API + RMI connector, as JConsole
 * connects), in a JVM started with {@code -javaagent:treekill-agent.jar}, on JDK 17 and 25: what generic
 * clients see (names, descriptions, impacts), every attribute and operation, every refusal, exact
 * counters under concurrent kills, and the reap-timeout notification.
 */
@Timeout(150)
class JmxIT {
    private static final long LONG_WAIT = 10_000;
    private static final String[] LONG_LONG = {"long", "long"};
    private static final String[] LONG = {"long"};
    /** A tree whose dd holds 256 MB: see {@link #aTimedOutWaitSendsTheReapTimeoutNotification}. */
    private static final String HEAVY = "heavy256";
    /** Measured: 60 of 60 first attempts timed out here (20 of them with both cores busy); each attempt is a fresh tree. */
    private static final int MAX_TIMEOUT_ATTEMPTS = 4;

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

    /**
     * A wait that times out, for real: timeoutMillis=1 on a tree with a process holding 256 MB, which takes
     * tens of ms to exit after SIGKILL while the kernel frees its memory (measured: ~50 ms on 2 cores; a tree of
     * sleeps alone is not reliable, it often exits within the 1 ms). Should a kill still finish in time, a fresh
     * tree is tried (a bounded number of times).
     */
    @OnEachJdk
    void aTimedOutWaitSendsTheReapTimeoutNotification(Jdk jdk) throws Exception {
        Served app = Served.trees(JvmRunner.on(jdk, tagged).agent(null), HEAVY);
        try {
            long root = app.root;
            try (JmxClient jmx = JmxClient.connect(app.pid)) {
                TreeKillerMXBean bean = jmx.proxy();
                BlockingQueue<Notification> received = new LinkedBlockingQueue<>();
                NotificationListener listener = (n, handback) -> received.add(n);
                jmx.server.addNotificationListener(JmxClient.NAME, listener, null, "handback");
                List<String> attempts = new ArrayList<>();
                for (int attempt = 1; ; attempt++) {
                    Set<Long> tree = new HashSet<>(TaggedProcesses.liveDescendants(root));
                    tree.add(root);
                    assertEquals(3, tree.size(), "sh, dd, sleep");
                    long dd = tree.stream().filter(p -> ProcessHandle.of(p).flatMap(h -> h.info().command())
                            .map(c -> c.endsWith("/dd")).orElse(false)).findFirst().orElseThrow();
                    KillReport report = bean.killTree(root, 1);
                    attempts.add(report.toString());
                    if (report.isTimedOut()) {
                        System.out.println(jdk + ": reap timeout forced on attempt " + attempt + ", " + report.getSurvivors().length
                                + " of " + report.getSignalled() + " processes still exiting");
                        assertTrue(Arrays.stream(report.getSurvivors()).anyMatch(p -> p == dd), () -> "dd survives the 1 ms: " + report);
                        Notification n = received.poll(30, TimeUnit.SECONDS);
                        assertNotNull(n, "no notification within 30 s after " + report);
                        assertEquals(TreeKillerMXBean.REAP_TIMEOUT_NOTIFICATION, n.getType());
                        assertEquals(JmxClient.NAME, n.getSource());
                        long[] pids = assertInstanceOf(long[].class, n.getUserData());
                        assertArrayEquals(report.getSurvivors(), pids, "userData: the pids still alive");
                        for (long p : pids) {
                            assertTrue(tree.contains(p), () -> p + " is not in the tree");
                        }
                        assertTrue(n.getMessage().contains("tree of pid " + root), n.getMessage());
                        assertEquals(1L, bean.getReapTimeouts(), "ReapTimeouts");
                        assertEquals((long) attempt, bean.getTreesKilled());
                        // SIGKILL was sent: the stragglers still go, the wait was only too short.
                        TaggedProcesses.await("the timed-out tree to be gone", Duration.ofSeconds(30),
                                () -> tree.stream().noneMatch(TaggedProcesses::isLive));
                        assertNull(received.poll(), "one notification per timed-out wait");
                        break;
                    }
                    assertNull(received.poll(), "a wait that did not time out sends no notification");
                    if (attempt == MAX_TIMEOUT_ATTEMPTS) {
                        fail("could not force a reap timeout in " + attempt + " attempts: " + attempts);
                    }
                    app.app.send(HEAVY);
                    root = Served.nextRoot(app.app);
                }
                jmx.server.removeNotificationListener(JmxClient.NAME, listener);
            }
        } finally {
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

    /** Through the typed proxy the client gets the MBean's own IllegalArgumentException, message intact. */
    private static void refusedByProxy(Executable call, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, () -> "not refused: " + why);
        assertEquals(why, e.getMessage());
    }

    /** A raw MBeanServerConnection call gets it wrapped, as JMX specifies: RuntimeMBeanException. */
    private static void refusedRaw(Executable call, String why) {
        RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class, call, () -> "not refused: " + why);
        assertRefusal(e.getTargetException(), why);
    }

    private static void assertRefusal(Throwable t, String why) {
        IllegalArgumentException e = assertInstanceOf(IllegalArgumentException.class, t);
        assertEquals(why, e.getMessage());
    }

    private static void assertNotBlank(String text, String what) {
        assertTrue(text != null && !text.isBlank(), () -> what + " is blank");
    }
}
