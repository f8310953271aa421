package dev.treekill.agent.proc;

/**
 * One process as /proc showed it at one moment. A pid alone names nothing for long (pids are reused);
 * {@code pid} together with {@code startTime} names one process for its whole life.
 */
public final class ProcEntry {
    /** A start time that was not read (a process gone before, or seen without /proc): clock ticks are never negative. */
    public static final long UNKNOWN_START = -1;
    /**
     * The length of the clock tick start times count in (1000 / USER_HZ, the kernel's ABI: 100 on every architecture
     * we run on), also the resolution of /proc/uptime.
     */
    public static final long MILLIS_PER_TICK = 10;
    /** The state of a process seen without its stat read (a scan, the JDK's handles): none of R, S, D, T, Z, X. */
    public static final char UNREAD_STATE = '?';
    /** The command of a process seen without its stat read. */
    public static final String UNREAD_COMMAND = "?";

    public final int pid;
    public final int ppid;
    public final char state;
    public final int threads;
    /** Clock ticks since boot, field 22 of /proc/[pid]/stat; {@link #UNKNOWN_START} where there is no /proc. */
    public final long startTime;
    public final String command;

    public ProcEntry(int pid, int ppid, char state, int threads, long startTime, String command) {
        this.pid = pid;
        this.ppid = ppid;
        this.state = state;
        this.threads = threads;
        this.startTime = startTime;
        this.command = command;
    }

    /**
     * A zombie whose last thread is gone has released everything but its exit status. A zombie leader
     * with threads still listed is not done: one of them may still hold memory or sit in the kernel.
     */
    public boolean hasExited() {
        return state == 'X' || (state == 'Z' && threads <= 1);
    }

    public boolean isZombie() {
        return state == 'Z' || state == 'X';
    }

    /** True if {@code other} is the same process (same pid, same start), seen at any time. */
    public boolean sameProcess(ProcEntry other) {
        return other != null && other.pid == pid && other.startTime == startTime;
    }

    @Override
    public String toString() {
        return pid + "(" + command + "," + state + ")";
    }
}
