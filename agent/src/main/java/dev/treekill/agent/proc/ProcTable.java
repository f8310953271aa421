package dev.treekill.agent.proc;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A snapshot of the process table, and the one parser of /proc/[pid]/stat. */
public final class ProcTable {
    /** Longer parent chains than this are a corrupted read, not a real system. */
    private static final int MAX_ANCESTRY = 4096;

    private final Map<Integer, ProcEntry> byPid;
    private final Map<Integer, List<ProcEntry>> children;

    private ProcTable(Map<Integer, ProcEntry> byPid) {
        this.byPid = byPid;
        this.children = new HashMap<>();
        for (ProcEntry e : byPid.values()) {
            List<ProcEntry> siblings = children.get(e.ppid);
            if (siblings == null) {
                siblings = new ArrayList<>();
                children.put(e.ppid, siblings);
            }
            siblings.add(e);
        }
    }

    /** Reads every visible process. Entries that vanish or cannot be read mid-scan are skipped. */
    public static ProcTable scan(ProcSource source) {
        int[] pids = source.pids();
        Map<Integer, ProcEntry> byPid = new HashMap<>(pids.length * 2);
        for (int pid : pids) {
            ProcEntry e = read(source, pid);
            if (e != null) {
                byPid.put(pid, e);
            }
        }
        return new ProcTable(byPid);
    }

    /** One process, or null if it is gone, unreadable, or its stat line is malformed. */
    public static ProcEntry read(ProcSource source, int pid) {
        String stat = source.stat(pid);
        return stat == null ? null : parseStat(pid, stat);
    }

    /**
     * Parses a stat line. The command sits in parentheses and may itself contain spaces and ')', so
     * fields are counted from the last ')'. Returns null for a line that does not parse. Hand-rolled
     * (no split, no regex): a kill parses thousands of these, often before the JIT has run.
     */
    static ProcEntry parseStat(int pid, String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open <= 0 || close < open || close + 3 >= stat.length() || parseNumber(stat, 0, open - 1) != pid) {
            return null;
        }
        // Fields are numbered as in proc(5): field 3, the state, follows ") ".
        int ppid = -1;
        int threads = -1;
        long startTime = -1;
        int field = 3;
        int i = close + 2;
        while (i < stat.length() && field <= STARTTIME_FIELD) {
            int end = stat.indexOf(' ', i);
            if (end < 0) {
                end = stat.length() - (stat.endsWith("\n") ? 1 : 0);
            }
            if (field == PPID_FIELD) {
                ppid = (int) parseNumber(stat, i, end);
            } else if (field == THREADS_FIELD) {
                threads = (int) parseNumber(stat, i, end);
            } else if (field == STARTTIME_FIELD) {
                startTime = parseNumber(stat, i, end);
            }
            field++;
            i = end + 1;
        }
        char state = stat.charAt(close + 2);
        if (ppid < 0 || threads < 0 || startTime < 0 || stat.charAt(close + 3) != ' ') {
            return null;
        }
        return new ProcEntry(pid, ppid, state, threads, startTime, stat.substring(open + 1, close));
    }

    private static final int PPID_FIELD = 4;
    private static final int THREADS_FIELD = 20;
    private static final int STARTTIME_FIELD = 22;

    /** The non-negative decimal in {@code s[from, to)}, ignoring surrounding blanks, or -1. */
    private static long parseNumber(String s, int from, int to) {
        long n = 0;
        int digits = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9' && digits < 18) {
                n = n * 10 + (c - '0');
                digits++;
            } else if (c != ' ' || digits > 0) {
                return -1;
            }
        }
        return digits == 0 ? -1 : n;
    }

    /** The pids above {@code pid} up to (excluding) pid 1: the processes a kill must never touch. */
    public static Set<Integer> ancestorsOf(ProcSource source, int pid) {
        Set<Integer> ancestors = new HashSet<>();
        ProcEntry e = read(source, pid);
        for (int i = 0; e != null && e.ppid > 1 && i < MAX_ANCESTRY && ancestors.add(e.ppid); i++) {
            e = read(source, e.ppid);
        }
        return ancestors;
    }

    /**
     * The children of {@code pid} now: from its children files where the kernel has them, else from a scan
     * of all of /proc (both are exact only while {@code pid} cannot fork).
     */
    public static int[] childPids(ProcSource source, int pid) {
        if (source.hasChildrenFiles()) {
            return source.children(pid, true);
        }
        ProcTable table = scan(source);
        ProcEntry parent = table.get(pid);
        List<ProcEntry> children = parent == null ? Collections.<ProcEntry>emptyList() : table.childrenOf(parent);
        int[] pids = new int[children.size()];
        for (int i = 0; i < pids.length; i++) {
            pids[i] = children.get(i).pid;
        }
        return pids;
    }

    public ProcEntry get(int pid) {
        return byPid.get(pid);
    }

    public int size() {
        return byPid.size();
    }

    public List<ProcEntry> childrenOf(ProcEntry parent) {
        List<ProcEntry> kids = children.getOrDefault(parent.pid, Collections.emptyList());
        List<ProcEntry> result = new ArrayList<>(kids.size());
        for (ProcEntry kid : kids) {
            // A child cannot be older than its parent: an older "child" points at a reused parent pid.
            if (kid.startTime >= parent.startTime && kid.pid != parent.pid) {
                result.add(kid);
            }
        }
        return result;
    }

    /** Every descendant of {@code root} in this snapshot, parents before their children (root excluded). */
    public List<ProcEntry> descendantsOf(ProcEntry root) {
        List<ProcEntry> roots = new ArrayList<>();
        roots.add(root);
        return descendantsOf(roots);
    }

    /**
     * Every descendant of any of {@code roots} that is not one of them, parents before children. Walking
     * from several roots finds the children of one whose own parent exited and left it re-parented.
     */
    public List<ProcEntry> descendantsOf(List<ProcEntry> roots) {
        List<ProcEntry> out = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        ArrayDeque<ProcEntry> queue = new ArrayDeque<>();
        for (ProcEntry root : roots) {
            seen.add(root.pid);
            queue.add(root);
        }
        while (!queue.isEmpty()) {
            for (ProcEntry kid : childrenOf(queue.poll())) {
                if (seen.add(kid.pid)) {
                    out.add(kid);
                    queue.add(kid);
                }
            }
        }
        return out;
    }
}
