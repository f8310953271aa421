package dev.treekill.mbeans;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** KillReport and ProcessRow as plain values (their JMX round trip is in TreeKillerBeanOperationsTest). */
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
}
