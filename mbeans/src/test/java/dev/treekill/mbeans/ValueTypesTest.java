package dev.treekill.mbeans;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.openmbean.CompositeData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** KillReport and ProcessRow as plain values and as items (their JMX round trip is in TreeKillerBeanOperationsTest). */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ValueTypesTest {
    @Test
    void killReportCannotBeChangedThroughItsSurvivorArrays() {
        long[] survivors = {43, 44};
        KillReport report = new KillReport(42, 3, 1, survivors, 30_000.25, true, KillReport.TRIGGER_DESTROY_FORCIBLY);
        survivors[0] = 99;
        report.getSurvivors()[1] = 99;
        assertArrayEquals(new long[] {43, 44}, report.getSurvivors());
    }

    @Test
    void toStringsAreReadable() {
        assertEquals("KillReport[rootPid=42, trigger=destroyForcibly, signalled=3, exited=1, survivors=[43, 44], "
                + "elapsedMillis=30000.3, TIMED OUT]",
                new KillReport(42, 3, 1, new long[] {43, 44}, 30_000.25, true, "destroyForcibly").toString());
        assertEquals("KillReport[rootPid=7, trigger=jmx, signalled=2, exited=2, survivors=[], elapsedMillis=1.5]",
                new KillReport(7, 2, 2, new long[0], 1.5, false, "jmx").toString());
        assertEquals("43 (ppid 42) Z [worker] <defunct>", new ProcessRow(43, 42, "Z", "[worker] <defunct>").toString());
    }

    @Test
    void fromNullIsNullSoAnUnsetLastKillNeedsNoCheck() {
        assertNull(KillReport.from(null));
        assertNull(ProcessRow.from(null));
    }

    @Test
    void itemsRoundTripWithJdkTypesInGetterOrder() {
        KillReport report = new KillReport(42, 3, 2, new long[] {44}, 5_000.5, true, KillReport.TRIGGER_LIBRARY);
        Map<String, Object> items = report.toItems();
        assertEquals(List.of("rootPid", "signalled", "exited", "survivors", "elapsedMillis", "timedOut", "trigger"),
                List.copyOf(items.keySet()));
        assertEquals(42L, items.get("rootPid"));
        assertEquals(2, items.get("exited"));
        assertEquals(report, KillReport.fromItems(items));
        ((long[]) items.get("survivors"))[0] = 99;
        assertArrayEquals(new long[] {44}, report.getSurvivors(), "the items hold a copy");
        assertNotSame(report.toItems().get("survivors"), report.toItems().get("survivors"));
    }

    @Test
    void itemsAreTheMxBeanItems() throws Exception {
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        FakeBackend backend = new FakeBackend();
        TreeKillerBean bean = TreeKillerBean.register(server, backend);
        try {
            backend.timeOutNextKill(7);
            JMX.newMXBeanProxy(server, TreeKillerBean.objectName(), TreeKillerMXBean.class).killTree(5, 100);
            CompositeData cd = (CompositeData) server.getAttribute(TreeKillerBean.objectName(), "LastKill");
            KillReport last = KillReport.from(cd);
            assertEquals(cd.getCompositeType().keySet(), last.toItems().keySet());
            for (Map.Entry<String, Object> item : last.toItems().entrySet()) {
                if (item.getValue() instanceof long[]) {
                    assertArrayEquals((long[]) cd.get(item.getKey()), (long[]) item.getValue());
                } else {
                    assertEquals(cd.get(item.getKey()), item.getValue(), item.getKey());
                }
            }
        } finally {
            bean.unregister();
        }
    }

    @Test
    void missingOrMistypedItemsAreRefusedNamingTheItems() {
        Map<String, Object> items = new KillReport(1, 0, 0, new long[0], 0, false, "jmx").toItems();
        items.put("signalled", 3L);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KillReport.fromItems(items));
        assertTrue(e.getMessage().contains("rootPid, signalled"), e.getMessage());
        items.remove("signalled");
        assertThrows(IllegalArgumentException.class, () -> KillReport.fromItems(items));
    }

    @Test
    void survivorsAreDescribedInOneSentence() {
        assertEquals("2 processes of the tree of pid 42 still alive after 30000 ms: [43, 44]",
                new KillReport(42, 3, 1, new long[] {43, 44}, 30_000.25, true, "destroyForcibly").describeSurvivors(30_000));
    }
}
