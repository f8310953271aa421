package dev.treekill.agent.cold;

import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.signal.Member;
import dev.treekill.agent.signal.Refusal;
import dev.treekill.agent.signal.Signaller;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.Syscalls;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cold kill of a large tree: scan, kill what is new, scan again. Each scan ({@link Syscalls#processTable}: every
 * process's pid, parent and start, read in C by the JDK) adds the processes whose parent is a member that the same
 * scan still shows (same pid, same start) and that are younger than it, parents first; as in the walk, a parent's
 * children count only if the parent is still the same process when read after the scan (a member that died and was
 * reaped during the scan may have left its pid to a stranger whose children the scan then listed). They get SIGKILL
 * by pid and scanned start ({@link Syscalls#signalStarted}: the JDK compares the start right before kill(2)). A
 * killed process forks no more (a fork either finished before the signal, and the next scan lists its child, or
 * fails), so the scans stop at the first complete one, taken after every member was signalled, that finds nobody
 * new. A child whose parent exited before a scan read it went to PID 1 or a subreaper above: the escapee search after
 * the kill finds it by its cookie. That window, from a scan's read of a parent to the parent's SIGKILL, is
 * milliseconds here (the rest of the scan, the pass over its rows, the signals before it) where the walk's is one
 * /proc read: a child forked in it that cleared its cookie is not found. A scan costs one read of every process on
 * the machine; the walk it takes over from costs about five per tree process: see {@link #walkLimit()}.
 */
final class TreeScans {
    /** Scans per kill; each kills what it found, so the second normally finds nobody. Past it: warn, stop. */
    private static final int MAX_SCANS = 16;
    /** Below this many members the walk always goes on: a scan of even a quiet machine costs more. */
    private static final int MIN_WALK = 32;
    /** Rows made room for beyond the last scan's count: processes started since (a scan too small is read again). */
    private static final int SPARE_ROWS = 64;

    private final Syscalls sys;
    private final Signaller signaller;
    private final ProcSource proc;
    private final KillStats stats;
    /** A walk limit given by the caller (tests: scan from the first member), or 0 to derive it. */
    private final int fixedWalkLimit;
    /** Processes the last scan saw (any kill's; races between kills are harmless: it sizes arrays). */
    private volatile int lastCount = 1024;

    /**
     * {@code sys}: where {@link Syscalls#processTable} and {@link Syscalls#signalStarted} work, and {@code signaller}
     * over it; {@code proc}: where a parent is read again; {@code fixedWalkLimit}: the {@link #walkLimit()} to use, or 0
     * for the one derived from the machine's size.
     */
    TreeScans(Syscalls sys, Signaller signaller, ProcSource proc, KillStats stats, int fixedWalkLimit) {
        this.sys = sys;
        this.signaller = signaller;
        this.proc = proc;
        this.stats = stats;
        this.fixedWalkLimit = fixedWalkLimit;
    }

    /**
     * Scans once, so that a kill does not pay for linking the JDK's scan (milliseconds in a fresh JVM) and knows the
     * machine's size, and checks that the scan's start times are /proc's (the ms-to-ticks conversion) on this JVM's
     * parent; false where either fails (then there are no scans). The kill's own native is linked by its first use.
     */
    boolean link() {
        ProcessScan scan = new ProcessScan(lastCount + SPARE_ROWS);
        try {
            scan.scan(sys);
        } catch (ErrnoException e) {
            Log.debug("no scans for the cold kill: " + e.getMessage());
            return false;
        }
        ProcEntry me = ProcTable.read(proc, sys.selfPid());
        ProcEntry parent = me == null ? null : ProcTable.read(proc, me.ppid);
        int row = parent == null ? ProcessScan.NO_ROW : scan.rowOf(parent.pid);
        if (row == ProcessScan.NO_ROW || scan.startTicks(row) != parent.startTime) {
            Log.debug("no scans for the cold kill: their start times are not /proc's for " + parent);
            return false;
        }
        lastCount = scan.count();
        return true;
    }

    /**
     * Members a walk may take before the scans are cheaper: the walk reads /proc about five times a process, two
     * scans once per process on the machine each, so from half the machine's processes on (as last scanned).
     */
    int walkLimit() {
        return fixedWalkLimit > 0 ? fixedWalkLimit : Math.max(MIN_WALK, lastCount / 2);
    }

    /**
     * Kills {@code toKill} (pinned members, not signalled yet) and every descendant of any member: the first scan
     * lists their children while they still hold them (a dead member's children are PID 1's, found only by their
     * cookie). Never pid 1, this JVM or one of its {@code ancestors}, whatever a scan says. {@code unpinned}: how many
     * processes of the tree the caller saw but did not pin (room is made for them in the first scan). Should a scan
     * fail, what was pinned is signalled and the failure thrown.
     */
    void killTrees(List<Member> toKill, Map<Integer, Member> members, Set<Integer> ancestors, Target target, int unpinned) {
        ProcessScan scan = new ProcessScan(lastCount + members.size() + unpinned + SPARE_ROWS);
        List<Member> next = new ArrayList<>(toKill);
        for (int scans = 0;; scans++) {
            if (scans == MAX_SCANS || members.size() >= ColdTreeKiller.MAX_MEMBERS) {
                Log.warn(target + ": processes still appearing after " + scans + " scans; killing what was found");
                stats.error();
                signalAll(next);
                return;
            }
            boolean complete;
            try {
                complete = scan.scan(sys);
            } catch (ErrnoException e) {
                signalAll(next);
                throw new IllegalStateException("cannot scan /proc: " + e.getMessage(), e);
            }
            lastCount = scan.count();
            next.addAll(newChildren(scan, members, ancestors));
            if (next.isEmpty() && complete) {
                return; // every member was signalled before this scan, and it shows no child of theirs unknown
            }
            signalAll(next);
            next = new ArrayList<>();
        }
    }

    private void signalAll(List<Member> toKill) {
        for (Member m : toKill) {
            m.unsignalled = !signaller.signal(m, Syscalls.SIGKILL);
            m.stopped = true; // it forks no more
        }
    }

    /**
     * The processes {@code scan} shows whose parent is a member it still shows (same pid, same start), is still the
     * same process when read now, and is older than them, not members yet: made members and returned parents first.
     * A member the scan shows with another start is marked gone (its pid names another process now).
     */
    private List<Member> newChildren(ProcessScan scan, Map<Integer, Member> members, Set<Integer> ancestors) {
        // By row, without boxing: a fresh JVM runs this interpreted, for every process on the machine.
        Member[] memberAt = new Member[scan.count()];
        for (Member m : members.values()) {
            int row = scan.rowOf(m.pid());
            if (row == ProcessScan.NO_ROW || m.gone) {
                continue;
            }
            if (scan.startTicks(row) == m.entry.startTime) {
                memberAt[row] = m;
            } else {
                m.gone = true;
            }
        }
        byte[] parentChecked = new byte[scan.count()]; // UNCHECKED, or the read-again verdict of the parent at that row
        List<Member> found = new ArrayList<>();
        int self = sys.selfPid();
        // One pass takes every child whose parent's row comes before its own (ascending pids: nearly all); another
        // pass follows any that took one. Each row is taken once at most: bounded by the rows there are.
        for (boolean grew = true; grew && members.size() < ColdTreeKiller.MAX_MEMBERS;) {
            grew = false;
            for (int row = 0; row < memberAt.length; row++) {
                int parentRow = memberAt[row] == null ? scan.rowOf(scan.ppid(row)) : ProcessScan.NO_ROW;
                Member parent = parentRow == ProcessScan.NO_ROW ? null : memberAt[parentRow];
                int pid = scan.pid(row);
                long start = scan.startTicks(row);
                if (parent == null || start < parent.entry.startTime || Refusal.of(pid, self, ancestors) != null
                        || memberAt[scan.rowOf(pid)] != null // listed twice: taken
                        || !stillTheSame(parent, parentRow, parentChecked)) {
                    continue;
                }
                Member kid = new Member(new ProcEntry(pid, parent.pid(), ProcEntry.UNREAD_STATE, 0, start,
                        ProcEntry.UNREAD_COMMAND), Member.NO_PIDFD);
                kid.byStartTime = true;
                Member replaced = members.put(pid, kid);
                if (replaced != null) {
                    replaced.gone = true; // its pid names another process now
                }
                memberAt[row] = kid;
                found.add(kid);
                grew = true;
            }
        }
        return found;
    }

    private static final byte UNCHECKED = 0;
    private static final byte SAME = 1;
    private static final byte NOT_SAME = 2;

    /** Whether {@code parent} is still the process the scan showed, read once per scan after it (see class comment). */
    private boolean stillTheSame(Member parent, int row, byte[] checked) {
        if (checked[row] == UNCHECKED) {
            checked[row] = parent.entry.sameProcess(ProcTable.read(proc, parent.pid())) ? SAME : NOT_SAME;
        }
        return checked[row] == SAME;
    }
}
