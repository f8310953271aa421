package dev.treekill.agent.proc;

import java.util.Map;
import java.util.TreeMap;

/** A /proc made up by a test: processes come, go and change under the code being tested. */
public final class FakeProc implements ProcSource {
    private final Map<Integer, String> stats = new TreeMap<>();
    private final Map<Integer, Boolean> hidden = new TreeMap<>();

    /** Adds or replaces a process with a well-formed stat line. */
    public FakeProc put(int pid, int ppid, char state, int threads, long startTime, String command) {
        StringBuilder s = new StringBuilder();
        s.append(pid).append(" (").append(command).append(") ").append(state).append(' ').append(ppid);
        // fields 5..19 do not matter here; 20 = threads, 21 = itrealvalue, 22 = starttime
        for (int field = 5; field <= 19; field++) {
            s.append(" 0");
        }
        s.append(' ').append(threads).append(" 0 ").append(startTime).append(" 0 0\n");
        stats.put(pid, s.toString());
        return this;
    }

    /** What the kernel does to a process on a signal: stopped, continued, or dead. */
    public void setState(int pid, char state) {
        ProcEntry e = stat(pid) == null ? null : ProcTable.parseStat(pid, stat(pid));
        if (e != null) {
            put(pid, e.ppid, state, e.threads, e.startTime, e.command);
        }
    }

    public FakeProc putRaw(int pid, String stat) {
        stats.put(pid, stat);
        return this;
    }

    public FakeProc remove(int pid) {
        stats.remove(pid);
        return this;
    }

    /** Listed in /proc but unreadable (hidepid=1, another user's process under a restricted mount). */
    public FakeProc unreadable(int pid) {
        hidden.put(pid, Boolean.FALSE);
        return this;
    }

    /** Not even listed (hidepid=2). */
    public FakeProc invisible(int pid) {
        hidden.put(pid, Boolean.TRUE);
        return this;
    }

    @Override
    public int[] pids() {
        return stats.keySet().stream().filter(p -> !Boolean.TRUE.equals(hidden.get(p))).mapToInt(Integer::intValue).toArray();
    }

    /** Whether this fake offers children files; off, the engine must fall back to full scans. */
    public boolean childrenFiles = true;

    @Override
    public boolean hasChildrenFiles() {
        return childrenFiles;
    }

    @Override
    public int[] children(int pid, boolean allThreads) {
        return stats.keySet().stream().filter(p -> !hidden.containsKey(p))
                .filter(p -> ProcTable.parseStat(p, stats.get(p)) != null && ProcTable.parseStat(p, stats.get(p)).ppid == pid)
                .mapToInt(Integer::intValue).toArray();
    }

    /** One thread per process, in the state its stat line shows. */
    @Override
    public String threadStates(int pid) {
        ProcEntry e = stat(pid) == null ? null : ProcTable.parseStat(pid, stat(pid));
        return e == null ? "" : String.valueOf(e.state);
    }

    public final java.util.Map<Integer, String> wchans = new java.util.HashMap<>();

    public long openFilesLimit = Long.MAX_VALUE;

    @Override
    public long openFilesLimit() {
        return openFilesLimit;
    }

    @Override
    public String wchan(int pid) {
        return wchans.getOrDefault(pid, "");
    }

    /** Thread ids: tid -> the pid of its process; every other pid is a process of its own. */
    public final java.util.Map<Integer, Integer> threadOf = new java.util.HashMap<>();

    @Override
    public int tgid(int pid) {
        return stat(pid) == null ? -1 : threadOf.getOrDefault(pid, pid);
    }

    /** Real uids by pid; a process without one belongs to uid 0, like the test itself. */
    public final java.util.Map<Integer, Integer> uids = new java.util.HashMap<>();
    /** Environments by pid, NUL-separated NAME=value; a process without one has an empty environment. */
    public final java.util.Map<Integer, String> environs = new java.util.HashMap<>();

    /** Gives {@code pid} an environment of NAME=value pairs. */
    public FakeProc env(int pid, String... pairs) {
        environs.put(pid, String.join("\0", pairs) + (pairs.length == 0 ? "" : "\0"));
        return this;
    }

    /** What ticksSinceBoot() says: a test moves the clock. */
    public long ticks = 10_000;

    @Override
    public long ticksSinceBoot() {
        return ticks;
    }

    @Override
    public int uid(int pid) {
        return stat(pid) == null ? -1 : uids.getOrDefault(pid, 0);
    }

    @Override
    public String environ(int pid) {
        return stat(pid) == null ? null : environs.getOrDefault(pid, "");
    }

    @Override
    public String stat(int pid) {
        return hidden.containsKey(pid) ? null : stats.get(pid);
    }
}
