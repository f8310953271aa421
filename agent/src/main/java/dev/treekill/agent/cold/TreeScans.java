package dev.treekill.agent.cold;

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
 * The cold kill of a large tree: one scan, then SIGKILL to what it shows below the members. The scan
 * ({@link Syscalls#processTable}: every process's pid, parent and start, read in C by the JDK) adds the processes
 * whose parent is a member that the same scan still shows (same pid, same start) and that are younger than it, parents
 * first; as in the walk, a parent's children count only if the parent is still the same process when read after the
 * scan (a member that died and was reaped during the scan may have left its pid to a stranger whose children the scan
 * then listed). They get SIGKILL by pid and scanned start ({@link Syscalls#signalStarted}: the JDK compares the start
 * right before kill(2)). What the scan cannot show, children forked after it read their parent and before the
 * parent's SIGKILL (or that it missed), the caller finds after the signals ({@link ColdTreeKiller}): a killed process
 * forks no more, so such a child is either still its parent's, read from the parent's children files, or, once the
 * parent has exited, PID 1's or a subreaper's, found there by its cookie. A child of the second kind that cleared its
 * cookie is not found: its window, from the scan's read of its parent to the parent's SIGKILL, is the rest of the
 * scan, the pass over its rows and the signals before it (tens of ms; the walk's: the pinning of the parent's
 * children). A scan costs one read of every process on the machine; the walk it takes over from costs about five per
 * tree process: see {@link #walkLimit()}.
 */
final class TreeScans {
    /** Below this many members the walk always goes on: a scan of even a quiet machine costs more. */
    static final int MIN_WALK = 32;
    /** Rows made room for beyond the last scan's count: processes started since (a scan too small is read again). */
    private static final int SPARE_ROWS = 64;

    private final Syscalls sys;
    private final Signaller signaller;
    private final ProcSource proc;
    /** A walk limit given by the caller (tests: scan from the first member), or 0 to derive it. */
    private final int fixedWalkLimit;
    /** Processes on the machine as last counted (any kill's; races between kills are harmless: it sizes arrays). */
    private volatile int lastCount;
    private volatile boolean works = true;

    /**
     * {@code sys}: where {@link Syscalls#processTable} and {@link Syscalls#signalStarted} work, and {@code signaller}
     * over it; {@code proc}: where a parent is read again; {@code fixedWalkLimit}: the {@link #walkLimit()} to use, or 0
     * for the one derived from the machine's size, {@code processCount} processes until a scan counts them.
     */
    TreeScans(Syscalls sys, Signaller signaller, ProcSource proc, int fixedWalkLimit, int processCount) {
        this.sys = sys;
        this.signaller = signaller;
        this.proc = proc;
        this.fixedWalkLimit = fixedWalkLimit;
        this.lastCount = processCount;
    }

    /**
     * Members a walk may take before a scan is cheaper: the walk reads /proc about five times a process, the scan once
     * per process on the machine (in C: about half the cost of a read in Java here) and the reads after the signals
     * once or twice per member, so from about half the machine's processes on (as last counted).
     */
    int walkLimit() {
        return fixedWalkLimit > 0 ? fixedWalkLimit : walkLimit(lastCount);
    }

    /** {@link #walkLimit()} on a machine of {@code processCount} processes. */
    static int walkLimit(int processCount) {
        return Math.max(MIN_WALK, processCount / 2);
    }

    /** False once a scan failed: it would fail again (the JDK's scan opens /proc); trees are walked. */
    boolean works() {
        return works;
    }

    /**
     * Kills {@code toKill} (pinned members, not signalled yet) and every descendant of any member the scan shows:
     * it lists their children while they still hold them (a dead member's children are PID 1's, found only by their
     * cookie). Never pid 1, this JVM or one of its {@code ancestors}, whatever the scan says. {@code unpinned}: how
     * many processes of the tree the caller saw but did not pin (room is made for them in the scan). Returns the
     * members it signalled or tried to ({@code toKill} first, then parents before their children). Should the scan
     * fail, {@code toKill} alone is signalled and the scans stop working ({@link #works}): what the caller's reads
     * after the signals find, it walks.
     */
    List<Member> killTrees(List<Member> toKill, Map<Integer, Member> members, Set<Integer> ancestors, int unpinned) {
        ProcessScan scan = new ProcessScan(lastCount + members.size() + unpinned + SPARE_ROWS);
        List<Member> taken = new ArrayList<>(toKill);
        try {
            scan.scan(sys);
            lastCount = scan.count();
            taken.addAll(newChildren(scan, members, ancestors));
        } catch (ErrnoException e) {
            works = false;
            Log.debug("the cold path's scan failed, walking instead: " + e.getMessage());
        }
        signalAll(taken);
        return taken;
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
