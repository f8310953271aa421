package dev.treekill.agent.starts;

import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The records of the registry, by pid (while the JDK has not reaped the process, and a while after: the orphan
 * attribution needs when it ended) and by Process (while the application holds it: its escapees may outlive its
 * root). Pruned as the records pile up.
 */
final class StartRecords {
    /** Records kept before those the JDK has reaped are dropped. */
    private static final int PRUNE_ABOVE = 1024;

    /** Where start and exit times are read; null: not recorded (tests). */
    private final ProcSource proc;
    private final Map<Long, Started> byPid = new ConcurrentHashMap<>();
    private final Map<Process, Started> byProcess = Collections.synchronizedMap(new WeakHashMap<>());
    private volatile int pruneAbove = PRUNE_ABOVE;

    StartRecords(ProcSource proc) {
        this.proc = proc;
    }

    void add(Process process, Started s) {
        if (byPid.size() > pruneAbove) {
            prune();
        }
        byPid.put(s.pid, s);
        byProcess.put(process, s);
    }

    Started of(Process process) {
        return byProcess.get(process);
    }

    /** The record of the live, unreaped process the JDK started at {@code pid}, or null. */
    Started ofPid(long pid) {
        Started s = byPid.get(pid);
        return s != null && unreaped(s) ? s : null;
    }

    /**
     * Whether the JDK started {@code e}, this very process (its start time), reaped by the JDK since or not: the
     * record at its pid has its start time, or none known while that pid is unreaped.
     */
    boolean startedAsSuch(ProcEntry e) {
        Started s = byPid.get((long) e.pid);
        return s != null && (s.startTicks == e.startTime || (s.startTicks == ProcEntry.UNKNOWN_START && unreaped(s)));
    }

    /** Every record by pid (a live view). */
    Collection<Started> all() {
        return byPid.values();
    }

    /** Notes which processes the JDK has reaped since, and drops old records. */
    void refresh() {
        for (Started s : byPid.values()) {
            unreaped(s);
        }
        if (byPid.size() > PRUNE_ABOVE) {
            prune();
        }
    }

    /**
     * Whether the JDK has not collected {@code s}'s exit status yet: /proc still shows that very process, alive
     * or a zombie. Once it does not, its pid may name a stranger; that is noted with the time. Read from
     * /proc, not from Process.isAlive(), which takes the Process's lock: the reaper must never wait for the
     * application. Without /proc (tests) only a record marked reaped is.
     */
    boolean unreaped(Started s) {
        if (s.reaped) {
            return false;
        }
        if (proc == null) {
            return true;
        }
        ProcEntry now;
        try {
            now = ProcTable.read(proc, (int) s.pid);
        } catch (RuntimeException unreadable) {
            return true; // nothing proves it reaped: keep its pid the JDK's
        }
        if (now != null && (s.startTicks == ProcEntry.UNKNOWN_START || now.startTime == s.startTicks)) {
            return true;
        }
        s.endTicks = proc.ticksSinceBoot();
        s.reaped = true;
        return false;
    }

    /**
     * Drops the records the JDK reaped before every live one started: those cannot have left an orphan of any
     * live process's time. (A Process the application still holds keeps its record in byProcess.)
     */
    private synchronized void prune() {
        long oldestLive = Long.MAX_VALUE;
        for (Started s : byPid.values()) {
            if (unreaped(s)) {
                oldestLive = Math.min(oldestLive, s.startTicks == ProcEntry.UNKNOWN_START ? Long.MIN_VALUE : s.startTicks);
            }
        }
        for (Iterator<Started> it = byPid.values().iterator(); it.hasNext(); ) {
            Started s = it.next();
            if (s.reaped && s.endTicks != ProcEntry.UNKNOWN_START && s.endTicks + 1 < oldestLive) {
                it.remove();
            }
        }
        // Each prune reads every record's /proc entry: not again before the records have doubled.
        pruneAbove = Math.max(PRUNE_ABOVE, 2 * byPid.size());
    }
}
