package dev.treekill.agent.starts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.treekill.agent.proc.FakeProc;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
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
    private final HiddenChildren.JdkView jdk = new HiddenChildren.JdkView() {
        @Override
        public long selfPid() {
            return SELF;
        }

        @Override
        public long startTime(long pid) {
            return jdkStarts.getOrDefault(pid, -1L);
        }
    };
    private final HiddenChildren hidden = new HiddenChildren(jdk, proc, (int) SELF);

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

    /**
     * The reviewer's order: the JDK's snapshot catches the launcher (this JVM's child) and the guard under it; the
     * launcher exits, the guard is hidden and the launch is over; only then is the snapshot compacted. The launcher,
     * hidden by pid as soon as its start returned, goes, and the guard under it with it.
     */
    @Test
    void aSnapshotOfTheLaunchCompactedAfterItLosesTheLauncherAndTheGuard() {
        proc.env(400, "TREEKILL_COOKIE=" + GUARD_COOKIE);
        proc.put(300, 400, 'S', 12, 3_000, "java").env(300, "TREEKILL_COOKIE=" + GUARD_COOKIE);
        hidden.launching(GUARD_COOKIE);
        hidden.hide(ProcTable.read(proc, 400)); // GuardLauncher: once the launcher's start returned
        long[] all = {1, 100, 200, 400, 300};
        long[] allParents = {0, 1, 100, 100, 400};
        long[] allStarts = {1, 10_000, 20_000, 40_000, 30_000};
        long[] children = {200, 400};
        long[] childStarts = {20_000, 40_000};

        proc.remove(400); // the launcher exited and was reaped; the guard is re-parented
        proc.put(300, 100, 'S', 12, 3_000, "java");
        hidden.hide(ProcTable.read(proc, 300));
        hidden.launched();

        assertEquals(3, hidden.compactJdkList(5, 0, all, allParents, allStarts));
        assertArrayEquals(new long[] {1, 100, 200}, Arrays.copyOf(all, 3), "descendants(): neither launcher nor guard");
        assertArrayEquals(new long[] {0, 1, 100}, Arrays.copyOf(allParents, 3));
        assertArrayEquals(new long[] {1, 10_000, 20_000}, Arrays.copyOf(allStarts, 3));
        assertEquals(1, hidden.compactJdkList(2, SELF, children, null, childStarts), "children(): no launcher");
        assertEquals(200, children[0]);
        assertTrue(hidden.contains(new ProcEntry(400, 100, 'Z', 1, 4_000, "sh")), "a scan's launcher: not counted");
        assertFalse(hidden.contains(new ProcEntry(400, 100, 'S', 1, 4_001, "sh")), "its pid reused: another process");
    }

    @Test
    void aGuardUnderAProcessNotTakenStaysInTheListOfAllProcesses() {
        hidden.hide(ProcTable.read(proc, 300));
        long[] all = {200, 300};
        assertEquals(2, hidden.compactJdkList(2, 0, all, new long[] {100, 200}, new long[] {20_000, 30_000}),
                "its parent is the application's: the JDK's walk shows what it shows");
    }

    /**
     * A read that fails part-way through (an Error, as an OutOfMemoryError on a large environment would be) means
     * "not hidden" for that entry alone: the arrays are never left half-compacted, so the count returned describes
     * them and no child is listed twice.
     */
    @Test
    void anErrorReadingAnEnvironmentLeavesTheArraysConsistent() {
        proc.put(500, 100, 'S', 1, 5_000, "sh").env(500, "TREEKILL_COOKIE=" + GUARD_COOKIE);
        proc.env(400, "TREEKILL_COOKIE=" + GUARD_COOKIE);
        for (int failing = 1; failing <= 3; failing++) {
            HiddenChildren h = new HiddenChildren(jdk, new FailingEnviron(proc, failing), (int) SELF);
            h.launching(GUARD_COOKIE);
            long[] pids = {400, 200, 500};
            long[] ppids = {100, 100, 100};
            long[] starts = {40_000, 20_000, 50_000};
            int n = h.compactJdkList(3, 0, pids, ppids, starts);

            Set<Long> kept = new HashSet<>();
            Map<Long, Long> startOf = Map.of(400L, 40_000L, 200L, 20_000L, 500L, 50_000L);
            for (int i = 0; i < n; i++) {
                assertTrue(kept.add(pids[i]), "read " + failing + " failed: " + pids[i] + " listed twice");
                assertEquals(startOf.get(pids[i]), starts[i], "entries stay whole");
                assertEquals(100, ppids[i]);
            }
            assertTrue(kept.contains(200L), "the application's child stays");
            int expected = failing == 2 ? 1 : 2; // the 2nd read is the application's child's: both launchers go
            assertEquals(expected, n, "read " + failing + " failed: the failed one alone is kept");
        }
    }

    /** {@link FakeProc}, but its {@code failing}-th environment read throws an Error. */
    private static final class FailingEnviron implements ProcSource {
        private final FakeProc proc;
        private final int failing;
        private int reads;

        FailingEnviron(FakeProc proc, int failing) {
            this.proc = proc;
            this.failing = failing;
        }

        @Override
        public String environ(int pid) {
            if (++reads == failing) {
                // As an OutOfMemoryError would: past a catch of RuntimeException.
                throw new Error("test: environment of " + pid);
            }
            return proc.environ(pid);
        }

        @Override
        public int[] pids() {
            return proc.pids();
        }

        @Override
        public String stat(int pid) {
            return proc.stat(pid);
        }

        @Override
        public boolean hasChildrenFiles() {
            return proc.hasChildrenFiles();
        }

        @Override
        public int[] children(int pid, boolean allThreads) {
            return proc.children(pid, allThreads);
        }

        @Override
        public String threadStates(int pid) {
            return proc.threadStates(pid);
        }

        @Override
        public String wchan(int pid) {
            return proc.wchan(pid);
        }

        @Override
        public int uid(int pid) {
            return proc.uid(pid);
        }

        @Override
        public int tgid(int pid) {
            return proc.tgid(pid);
        }

        @Override
        public long ticksSinceBoot() {
            return proc.ticksSinceBoot();
        }

        @Override
        public long openFilesLimit() {
            return proc.openFilesLimit();
        }
    }
}
