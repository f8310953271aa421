package dev.treekill.agent.starts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcTable;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the JDK's lists and the agent's counts leave out: the guard by pid and start time (the JDK's milliseconds for
 * the lists, /proc's ticks for the agent), during a launch every child with the launch's cookie; everything else as
 * the JDK listed it, in its order. JVM 100; its children 200 (the application's), 300 (the guard), 400 (a launcher).
 */
class HiddenChildrenTest {
    private static final long SELF = 100;
    private static final String GUARD_COOKIE = "treekill-guard";

    private final FakeProc proc = new FakeProc()
            .put(100, 1, 'S', 20, 1_000, "java")
            .put(200, 100, 'S', 1, 2_000, "sleep")
            .put(300, 100, 'S', 12, 3_000, "java")
            .put(400, 100, 'S', 1, 4_000, "sh");
    /** The JDK's start times (ms since the epoch) by pid. */
    private final Map<Long, Long> jdkStarts = new HashMap<>(Map.of(200L, 20_000L, 300L, 30_000L, 400L, 40_000L));
    private final HiddenChildren hidden = new HiddenChildren(new HiddenChildren.JdkView() {
        @Override
        public long selfPid() {
            return SELF;
        }

        @Override
        public long startTime(long pid) {
            return jdkStarts.getOrDefault(pid, -1L);
        }
    }, proc, (int) SELF);

    @Test
    void nothingHiddenLeavesTheJdksListsAsTheyAre() {
        long[] pids = {200, 300};
        long[] starts = {20_000, 30_000};
        assertEquals(2, hidden.compactJdkList(2, SELF, pids, null, starts));
        assertArrayEquals(new long[] {200, 300}, pids);
        assertFalse(hidden.contains(ProcTable.read(proc, 300)));
    }

    @Test
    void theGuardLeavesTheChildrenListAndTheRestKeepsItsOrder() {
        hidden.hide(ProcTable.read(proc, 300));
        long[] pids = {300, 200, 400, 0};
        long[] starts = {30_000, 20_000, 40_000, 0};
        assertEquals(2, hidden.compactJdkList(3, SELF, pids, null, starts));
        assertArrayEquals(new long[] {200, 400}, java.util.Arrays.copyOf(pids, 2));
        assertArrayEquals(new long[] {20_000, 40_000}, java.util.Arrays.copyOf(starts, 2));
    }

    @Test
    void theGuardLeavesTheListOfAllProcessesOnlyAsAChildOfThisJvm() {
        hidden.hide(ProcTable.read(proc, 300));
        long[] pids = {1, 100, 300, 200};
        long[] ppids = {0, 1, 100, 100};
        long[] starts = {1, 10_000, 30_000, 20_000};
        assertEquals(3, hidden.compactJdkList(4, 0, pids, ppids, starts));
        assertArrayEquals(new long[] {1, 100, 200}, java.util.Arrays.copyOf(pids, 3));
        assertArrayEquals(new long[] {0, 1, 100}, java.util.Arrays.copyOf(ppids, 3));

        long[] elsewhere = {300};
        assertEquals(1, hidden.compactJdkList(1, 0, elsewhere, new long[] {1}, new long[] {30_000}),
                "re-parented to init (no subreaper): not ours to hide");
        assertEquals(1, hidden.compactJdkList(1, 0, new long[] {300}, null, new long[] {30_000}),
                "allProcesses(): no parents to tell");
        assertEquals(1, hidden.compactJdkList(1, 1, new long[] {300}, null, new long[] {30_000}),
                "the children of another process");
    }

    @Test
    void anotherStartTimeOnTheGuardsPidIsAnotherProcess() {
        hidden.hide(ProcTable.read(proc, 300));
        long[] pids = {300};
        assertEquals(1, hidden.compactJdkList(1, SELF, pids, null, new long[] {30_001}));
        assertFalse(hidden.contains(new ProcEntry(300, 100, 'S', 1, 3_001, "java")), "the pid reused");
        assertTrue(hidden.contains(ProcTable.read(proc, 300)));
    }

    @Test
    void arraysTooSmallAreLeftForTheJdkToAskAgain() {
        hidden.hide(ProcTable.read(proc, 300));
        long[] pids = {300, 200};
        long[] starts = {30_000, 20_000};
        assertEquals(5, hidden.compactJdkList(5, SELF, pids, null, starts));
        assertArrayEquals(new long[] {300, 200}, pids);
        assertEquals(-1, hidden.compactJdkList(-1, SELF, pids, null, starts));
    }

    @Test
    void aGuardWithoutAJdkStartTimeStaysInTheJdksListsButNotInTheAgentsCounts() {
        jdkStarts.remove(300L);
        hidden.hide(ProcTable.read(proc, 300));
        assertEquals(1, hidden.compactJdkList(1, SELF, new long[] {300}, null, new long[] {0}));
        assertTrue(hidden.contains(ProcTable.read(proc, 300)));
    }

    @Test
    void duringALaunchChildrenWithTheGuardsCookieAreHiddenAndOnlyThen() {
        proc.env(400, "TREEKILL_COOKIE=" + GUARD_COOKIE);
        proc.env(200, "TREEKILL_COOKIE=j100.5.1");
        hidden.launching(GUARD_COOKIE);
        long[] pids = {200, 400};
        assertEquals(1, hidden.compactJdkList(2, SELF, pids, null, new long[] {20_000, 40_000}));
        assertEquals(200, pids[0]);
        assertTrue(hidden.contains(ProcTable.read(proc, 400)));
        assertFalse(hidden.contains(ProcTable.read(proc, 200)));

        hidden.launched();
        assertEquals(2, hidden.compactJdkList(2, SELF, new long[] {200, 400}, null, new long[] {20_000, 40_000}));
        assertFalse(hidden.contains(ProcTable.read(proc, 400)));
    }

    @Test
    void onlyTheLastFewGuardsAreRemembered() {
        for (int i = 0; i < HiddenChildren.CAPACITY + 1; i++) {
            int pid = 1_000 + i;
            proc.put(pid, 100, 'S', 1, 5_000 + i, "java");
            jdkStarts.put((long) pid, 50_000L + i);
            hidden.hide(ProcTable.read(proc, pid));
        }
        assertFalse(hidden.contains(ProcTable.read(proc, 1_000)), "the oldest dropped");
        assertTrue(hidden.contains(ProcTable.read(proc, 1_000 + HiddenChildren.CAPACITY)));
        assertTrue(hidden.contains(ProcTable.read(proc, 1_001)));
    }
}
