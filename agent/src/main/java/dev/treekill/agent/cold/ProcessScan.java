package dev.treekill.agent.cold;

import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.Syscalls;
import java.util.Arrays;

/**
 * The latest scan of every process ({@link Syscalls#processTable}): rows of pid, parent pid and start (clock
 * ticks), each row findable by its pid. One kill's alone (not thread-safe).
 */
final class ProcessScan {
    /** Times the arrays may grow within one scan: processes appearing faster than that are no machine we run on. */
    private static final int MAX_GROWTHS = 8;
    /** {@link #rowOf} a pid the scan does not show. */
    static final int NO_ROW = -1;

    private long[] pids;
    private long[] ppids;
    private long[] startTicks;
    private int count;
    /** Open addressing, pid to row + 1 (0: empty), at most half full. */
    private int[] slots = new int[16];

    /** {@code capacity}: rows to make room for (more are made as needed, at the price of a second read). */
    ProcessScan(int capacity) {
        pids = new long[capacity];
        ppids = new long[capacity];
        startTicks = new long[capacity];
    }

    /**
     * Scans; afterwards the rows are this scan's. Processes appearing faster than the arrays can grow cut it
     * short: then the highest pids, the newest processes, are missing (as any process started after the scan is).
     */
    void scan(Syscalls sys) throws ErrnoException {
        int n = sys.processTable(pids, ppids, startTicks);
        for (int growths = 0; n > pids.length && growths < MAX_GROWTHS; growths++) {
            int size = 2 * n; // a fork storm outgrows a tight fit by the next read (seen: 3 reads of 200 ms each)
            pids = new long[size];
            ppids = new long[size];
            startTicks = new long[size];
            n = sys.processTable(pids, ppids, startTicks);
        }
        count = Math.min(n, pids.length);
        index();
    }

    int count() {
        return count;
    }

    int pid(int row) {
        return (int) pids[row];
    }

    int ppid(int row) {
        return (int) ppids[row];
    }

    long startTicks(int row) {
        return startTicks[row];
    }

    /** The row of {@code pid} in this scan, or {@link #NO_ROW}. */
    int rowOf(int pid) {
        int mask = slots.length - 1;
        for (int i = hash(pid) & mask; slots[i] != 0; i = (i + 1) & mask) {
            if (pids[slots[i] - 1] == pid) {
                return slots[i] - 1;
            }
        }
        return NO_ROW;
    }

    private void index() {
        if (slots.length < 2 * count) {
            slots = new int[Integer.highestOneBit(2 * count) * 2];
        } else {
            Arrays.fill(slots, 0);
        }
        int mask = slots.length - 1;
        for (int row = 0; row < count; row++) {
            int i = hash((int) pids[row]) & mask;
            while (slots[i] != 0) {
                i = (i + 1) & mask;
            }
            slots[i] = row + 1;
        }
    }

    private static int hash(int pid) {
        return (pid * 0x9E3779B1) >>> 7;
    }
}
