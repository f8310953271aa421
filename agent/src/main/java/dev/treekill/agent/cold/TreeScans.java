package dev.treekill.agent.cold;

import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.signal.Member;
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
 * scan still shows (same pid, same start) and that are younger than it, parents first; they get SIGKILL by pid and
 * scanned start ({@link Syscalls#signalStarted}: the JDK compares the start right before kill(2)). A
 * killed process forks no more (a fork either finished before the signal, and the next scan lists its child, or
 * fails), so the scans stop at the first one, taken after every member was signalled, that finds nobody new.
 * Children whose parent died and was reaped before a scan went to PID 1 or a subreaper above: the escapee search
 * after the kill finds them by their cookie. A scan costs one read of every process on the machine; the walk it
 * takes over from costs about five per tree process: see {@link #walkLimit()}.
 */
final class TreeScans {
    /** Scans per kill; each kills what it found, so the second normally finds nobody. Past it: warn, stop. */
    private static final int MAX_SCANS = 16;
    /** A bound on members whatever a scan says; a tree that keeps growing past it is a bug. */
    private static final int MAX_MEMBERS = 1 << 20;
    /** Below this many members the walk always goes on: a scan of even a quiet machine costs more. */
    private static final int MIN_WALK = 32;
    /** What a scan does not read: a member's state and command, until /proc is read for it (the wait does). */
    private static final char UNREAD_STATE = '?';
    private static final String UNREAD_COMMAND = "?";

    private final Syscalls sys;
    private final Signaller signaller;
    private final KillStats stats;
    /** A walk limit given by the caller (tests: scan from the first member), or 0 to derive it. */
    private final int fixedWalkLimit;
    /** Rows for a kill's first scan (a scan into arrays too small is read again whole): the last count and a quarter. */
    private volatile int capacityHint = 1024;

    /**
     * {@code sys}: where {@link Syscalls#processTable} and {@link Syscalls#signalStarted} work, and {@code signaller}
     * over it; {@code fixedWalkLimit}: the
     * {@link #walkLimit()} to use, or 0 for the one derived from the machine's size.
     */
    TreeScans(Syscalls sys, Signaller signaller, KillStats stats, int fixedWalkLimit) {
        this.sys = sys;
        this.signaller = signaller;
        this.stats = stats;
        this.fixedWalkLimit = fixedWalkLimit;
    }

    /**
     * Scans once, read-only, so that a kill does not pay for linking the JDK's scan (milliseconds in a fresh JVM)
     * and knows the machine's size; false where the scan fails (then there are no scans). The kill's own call is
     * linked by its first use (it cannot be tried on a process harmlessly).
     */
    boolean link() {
        ProcessScan scan = new ProcessScan(capacityHint);
        try {
            scan.scan(sys);
        } catch (ErrnoException | RuntimeException e) {
            Log.debug("no scans for the cold kill: " + e);
            return false;
        }
        capacityHint = scan.count() + scan.count() / 4 + 64;
        return true;
    }

    /**
     * Members a walk may take before the scans are cheaper: the walk reads /proc about five times a process, two
     * scans once per process on the machine each, so from half the machine's processes on (as last scanned).
     */
    int walkLimit() {
        return fixedWalkLimit > 0 ? fixedWalkLimit : Math.max(MIN_WALK, capacityHint / 2);
    }

    /**
     * Kills {@code toKill} (pinned members, not signalled yet) and every descendant of any member: the first scan
     * lists their children while they still hold them (a dead member's children are PID 1's, found only by their
     * cookie). Never pid 1, this JVM or one of its {@code ancestors}, whatever a scan says. {@code unpinned}: how many
     * processes of the tree the caller saw but did not pin (room is made for them in the first scan).
     */
    void killTrees(List<Member> toKill, Map<Integer, Member> members, Set<Integer> ancestors, Target target, int unpinned) {
        ProcessScan scan = new ProcessScan(capacityHint + members.size() + unpinned);
        List<Member> next = new ArrayList<>(toKill);
        for (int scans = 0;; scans++) {
            if (scans == MAX_SCANS || members.size() >= MAX_MEMBERS) {
                Log.warn(target + ": processes still appearing after " + scans + " scans; killing what was found");
                stats.error();
                signalAll(next);
                return;
            }
            try {
                scan.scan(sys);
            } catch (ErrnoException e) {
                signalAll(next);
                throw new IllegalStateException("cannot scan /proc: errno " + e.errno(), e);
            }
            capacityHint = scan.count() + scan.count() / 4 + 64;
            next.addAll(newChildren(scan, members, ancestors));
            if (next.isEmpty()) {
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
     * The processes {@code scan} shows whose parent is a member it still shows (same pid, same start) and that are
     * younger than it, not members yet: made members and returned parents first.
     */
    private List<Member> newChildren(ProcessScan scan, Map<Integer, Member> members, Set<Integer> ancestors) {
        // By row, without boxing: a fresh JVM runs this interpreted, for every process on the machine.
        Member[] memberAt = new Member[scan.count()];
        for (Member m : members.values()) {
            int row = scan.rowOf(m.pid());
            if (row != ProcessScan.NO_ROW && !m.gone && scan.startTicks(row) == m.entry.startTime) {
                memberAt[row] = m;
            }
        }
        List<Member> found = new ArrayList<>();
        int self = sys.selfPid();
        // One pass takes every child whose parent's row comes before its own (ascending pids: nearly all); another
        // pass follows any that took one. Each row is taken once at most: bounded by the rows there are.
        for (boolean grew = true; grew && members.size() < MAX_MEMBERS;) {
            grew = false;
            for (int row = 0; row < memberAt.length; row++) {
                int parentRow = memberAt[row] == null ? scan.rowOf(scan.ppid(row)) : ProcessScan.NO_ROW;
                Member parent = parentRow == ProcessScan.NO_ROW ? null : memberAt[parentRow];
                int pid = scan.pid(row);
                long start = scan.startTicks(row);
                if (parent == null || start < parent.entry.startTime || pid <= 1 || pid == self
                        || ancestors.contains(pid) || memberAt[scan.rowOf(pid)] != null) { // listed twice: taken
                    continue;
                }
                Member kid = new Member(new ProcEntry(pid, parent.pid(), UNREAD_STATE, 0, start, UNREAD_COMMAND),
                        Member.NO_PIDFD);
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
}
