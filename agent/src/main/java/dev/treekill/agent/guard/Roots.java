package dev.treekill.agent.guard;

import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The roots of the trees a JVM started, each a pid with its start time (clock ticks since boot, /proc/[pid]/stat
 * field 22): together they name one process, never a later one that got the same pid, unless the pid is recycled
 * within the same clock tick (USER_HZ = 100: 10 ms), which takes a pid space wrapping around in that time. Kept by the JVM (to tell a
 * new guard) and by the guard (to kill their trees once the JVM is gone). Bounded: when full, roots that no longer
 * run are dropped, at most {@link #PRUNE_BATCH} looked at per add (one /proc read each; the oldest first, and the
 * ones still running go to the back, so that the next clean-up looks at others): the JVM adds on the application's
 * start thread, under the guard's lock, and a start must not pay a pass over thousands of roots. When it is still
 * full, a new root is not remembered, and the next clean-up waits for {@link #PRUNE_PAUSE_DIVISOR a share} of
 * further adds. Not thread-safe: its owner locks.
 */
final class Roots {
    /** Roots remembered at most: far more trees than a JVM runs at once, a few hundred kilobytes. */
    static final int CAPACITY = 4096;
    /** Roots looked at (one /proc read each) per clean-up at most. */
    static final int PRUNE_BATCH = 64;
    /** After a clean-up that freed nothing, the next one waits for capacity / this many adds. */
    private static final int PRUNE_PAUSE_DIVISOR = 8;
    /** The line a JVM writes into the guard's pipe per root: {@code root <pid> <start ticks>}. */
    private static final String LINE_PREFIX = "root ";

    /** One root: a pid and its process's start time in clock ticks since boot. */
    static final class Root {
        final long pid;
        final long startTicks;

        Root(long pid, long startTicks) {
            this.pid = pid;
            this.startTicks = startTicks;
        }

        /** Its line in the guard's pipe. */
        String line() {
            return LINE_PREFIX + pid + " " + startTicks;
        }

        @Override
        public String toString() {
            return pid + "@" + startTicks;
        }
    }

    private final ProcSource proc;
    private final int capacity;
    private final int pruneBatch;
    private final Map<Long, Root> byPid = new LinkedHashMap<>();
    private int addsBeforeNextPrune;

    Roots(ProcSource proc, int capacity) {
        this(proc, capacity, PRUNE_BATCH);
    }

    Roots(ProcSource proc, int capacity, int pruneBatch) {
        this.proc = proc;
        this.capacity = capacity;
        this.pruneBatch = pruneBatch;
    }

    /**
     * The root of {@code line} ({@code root <pid> <start ticks>}), or null if the line is not one (a pid &lt;= 1 or
     * a negative start time is not one either: no root is ever pid 1).
     */
    static Root parse(String line) {
        if (!line.startsWith(LINE_PREFIX)) {
            return null;
        }
        String[] f = line.substring(LINE_PREFIX.length()).split(" ");
        try {
            Root r = f.length == 2 ? new Root(Long.parseLong(f[0]), Long.parseLong(f[1])) : null;
            return r != null && r.pid > 1 && r.pid <= Integer.MAX_VALUE && r.startTicks >= 0 ? r : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Remembers {@code root} (replacing an earlier root of the same pid: that process is gone). False when it could
     * not be remembered: the table is full of roots that still run.
     */
    boolean add(Root root) {
        if (byPid.containsKey(root.pid) || byPid.size() < capacity) {
            byPid.put(root.pid, root);
            return true;
        }
        if (addsBeforeNextPrune > 0) {
            addsBeforeNextPrune--;
            return false;
        }
        dropFinished();
        if (byPid.size() >= capacity) {
            addsBeforeNextPrune = Math.max(1, capacity / PRUNE_PAUSE_DIVISOR);
            return false;
        }
        byPid.put(root.pid, root);
        return true;
    }

    /** Every root remembered, oldest first (some may have finished since). */
    List<Root> all() {
        return new ArrayList<>(byPid.values());
    }

    int size() {
        return byPid.size();
    }

    /**
     * Looks at the {@link #pruneBatch} oldest roots: drops those that no longer run (gone, a zombie, or their pid
     * names a newer process now) and moves the others to the back.
     */
    private void dropFinished() {
        List<Root> running = new ArrayList<>();
        Iterator<Root> it = byPid.values().iterator();
        for (int looked = 0; looked < pruneBatch && it.hasNext(); looked++) {
            Root r = it.next();
            it.remove();
            ProcEntry now = ProcTable.read(proc, (int) r.pid);
            if (now != null && now.startTime == r.startTicks && !now.isZombie()) {
                running.add(r);
            }
        }
        for (Root r : running) {
            byPid.put(r.pid, r);
        }
    }
}
