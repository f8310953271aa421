package dev.treekill.mbeans;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.treekill.mbeans.JmxFixture.Via;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.Attribute;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Attributes and operations through a typed MXBean proxy and through raw MBeanServerConnection calls. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TreeKillerBeanOperationsTest {
    private static final ObjectName NAME = TreeKillerBean.objectName();
    private static final String[] LONG = {"long"};
    private static final String[] LONG_LONG = {"long", "long"};

    @RegisterExtension
    final JmxFixture jmx = new JmxFixture();

    @ParameterizedTest
    @EnumSource(Via.class)
    void readsEveryAttributeThroughATypedProxy(Via via) throws Exception {
        TreeKillerMXBean proxy = jmx.proxy(via);
        assertEquals(true, proxy.isEnabled());
        assertEquals(30_000, proxy.getReapTimeoutMillis());
        assertEquals(10_000, proxy.getWarnAfterMillis());
        assertEquals("descendants", proxy.getScope());
        assertEquals(7, proxy.getLiveDescendants());
        assertEquals(2, proxy.getZombieDescendants());
        assertEquals(1, proxy.getKillsInProgress());
        assertEquals(11, proxy.getTreesKilled());
        assertEquals(42, proxy.getProcessesKilled());
        assertEquals(3, proxy.getReapTimeouts());
        assertEquals(5, proxy.getErrors());
        assertNull(proxy.getLastKill(), "no kill yet");
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void writesTheReadWriteAttributesToTheBackend(Via via) throws Exception {
        TreeKillerMXBean proxy = jmx.proxy(via);
        proxy.setEnabled(false);
        proxy.setReapTimeoutMillis(2_500);
        proxy.setWarnAfterMillis(700);
        assertFalse(jmx.backend.isEnabled());
        assertEquals(2_500, jmx.backend.getReapTimeoutMillis());
        assertEquals(700, proxy.getWarnAfterMillis());
        assertEquals(List.of("setEnabled(false)", "setReapTimeoutMillis(2500)", "setWarnAfterMillis(700)"),
                jmx.backend.calls);
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void killTreeWithoutATimeoutWaitsReapTimeoutMillis(Via via) throws Exception {
        TreeKillerMXBean proxy = jmx.proxy(via);
        proxy.setReapTimeoutMillis(2_500);
        KillReport report = proxy.killTree(4242);
        assertEquals(List.of("setReapTimeoutMillis(2500)", "killTree(4242,2500)"), jmx.backend.calls);
        assertEquals(jmx.backend.getLastKill(), report);
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void terminateTreePassesPidGraceAndReapTimeoutMillis(Via via) throws Exception {
        TreeKillerMXBean proxy = jmx.proxy(via);
        proxy.setReapTimeoutMillis(2_500);
        jmx.backend.timeOutNextKill(4243);
        KillReport report = proxy.terminateTree(4242, 750);
        assertEquals(new KillReport(4242, 3, 2, new long[] {4243}, 2_500, true, "jmx"), report);
        assertEquals(report, proxy.getLastKill());

        KillReport noGrace = proxy.terminateTree(4300, 0);
        assertEquals(4300, noGrace.getRootPid());
        assertFalse(noGrace.isTimedOut());
        assertEquals(List.of("setReapTimeoutMillis(2500)", "terminateTree(4242,750,2500)", "terminateTree(4300,0,2500)"),
                jmx.backend.calls);
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void proxiesRebuildKillReportsAndProcessRows(Via via) throws Exception {
        TreeKillerMXBean proxy = jmx.proxy(via);
        jmx.backend.timeOutNextKill(4243, 4244);
        KillReport report = proxy.killTree(4242, 5_000);
        assertEquals(new KillReport(4242, 3, 1, new long[] {4243, 4244}, 5_000, true, "jmx"), report);
        assertEquals(report, proxy.getLastKill());

        KillReport all = proxy.killDescendants(900);
        assertEquals(ProcessHandle.current().pid(), all.getRootPid());
        assertFalse(all.isTimedOut());
        assertEquals(all, proxy.getLastKill());

        assertArrayEquals(jmx.backend.describeTree(4242), proxy.describeTree(4242));
        assertEquals(List.of("killTree(4242,5000)", "killDescendants(900)", "describeTree(4242)", "describeTree(4242)"),
                jmx.backend.calls);
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void resetCountersZeroesTheTotals(Via via) throws Exception {
        TreeKillerMXBean proxy = jmx.proxy(via);
        proxy.resetCounters();
        assertEquals(List.of(0L, 0L, 0L, 0L),
                List.of(proxy.getTreesKilled(), proxy.getProcessesKilled(), proxy.getReapTimeouts(), proxy.getErrors()));
        assertEquals(List.of("resetCounters()"), jmx.backend.calls);
    }

    @ParameterizedTest
    @EnumSource(Via.class)
    void rawCallsGetOpenTypesThatTheValueClassesRebuild(Via via) throws Exception {
        MBeanServerConnection connection = jmx.connection(via);
        assertNull(connection.getAttribute(NAME, "LastKill"));
        assertNull(KillReport.from((CompositeData) connection.getAttribute(NAME, "LastKill")));

        jmx.backend.timeOutNextKill(4250);
        CompositeData killed = assertInstanceOf(CompositeData.class,
                connection.invoke(NAME, "killTree", new Object[] {4242L, 5_000L}, LONG_LONG));
        assertArrayEquals(new long[] {4250}, (long[]) killed.get("survivors"));
        assertEquals("jmx", killed.get("trigger"));
        assertEquals(jmx.backend.getLastKill(), KillReport.from(killed));
        assertEquals(killed, connection.getAttribute(NAME, "LastKill"));

        CompositeData oneArg = assertInstanceOf(CompositeData.class,
                connection.invoke(NAME, "killTree", new Object[] {4300L}, LONG));
        assertEquals(4300L, oneArg.get("rootPid"));

        CompositeData terminated = assertInstanceOf(CompositeData.class,
                connection.invoke(NAME, "terminateTree", new Object[] {4400L, 1_000L}, LONG_LONG));
        assertEquals(4400L, terminated.get("rootPid"));
        assertEquals("jmx", terminated.get("trigger"));
        assertEquals(jmx.backend.getLastKill(), KillReport.from(terminated));
        assertEquals("terminateTree(4400,1000,30000)", jmx.backend.calls.get(jmx.backend.calls.size() - 1));

        CompositeData[] rows = assertInstanceOf(CompositeData[].class,
                connection.invoke(NAME, "describeTree", new Object[] {4242L}, LONG));
        assertEquals("Z", rows[2].get("state"));
        ProcessRow[] rebuilt = new ProcessRow[rows.length];
        for (int i = 0; i < rows.length; i++) {
            rebuilt[i] = ProcessRow.from(rows[i]);
        }
        assertArrayEquals(jmx.backend.describeTree(4242), rebuilt);

        connection.setAttribute(NAME, new Attribute("ReapTimeoutMillis", 1_234L));
        assertEquals(1_234L, connection.getAttribute(NAME, "ReapTimeoutMillis"));
    }
}
