package dev.treekill.agent.sys;

/**
 * The native seam: the few Linux calls the engine needs, nothing more. Signal numbers are those of
 * Linux on x86-64 and arm64. Only {@code dev.treekill.agent.signal.Signaller} may call the signalling
 * methods; everything else asks it.
 */
public interface Syscalls {
    int SIGKILL = 9;
    int SIGTERM = 15;
    int SIGCONT = 18;
    int SIGSTOP = 19;

    int selfPid();

    /**
     * kill(2) on one process. Every implementation first calls {@link #refuseUnsignallable}: the last line of
     * defence under the Signaller's own checks, so no caller of any Syscalls can reach pid &le; 1 (a process
     * group or every process) or this JVM.
     *
     * @throws ErrnoException EPERM for a refused pid, or what kill(2) reports
     */
    void killPid(int pid, int signal) throws ErrnoException;

    /**
     * The refusal every signalling call of every implementation makes before it reaches the kernel: pid &le; 1
     * (0 and negative pids name process groups or every process; 1 is init) and this process itself.
     *
     * @throws ErrnoException EPERM (what kill(2) itself would say for a process it may not signal)
     */
    static void refuseUnsignallable(long pid, int selfPid, String call) throws ErrnoException {
        if (pid <= 1 || pid == selfPid) {
            throw new ErrnoException(call + "(" + pid + ") refused", ErrnoException.EPERM);
        }
    }

    /** A file descriptor that refers to this very process until closed, whatever happens to its pid. */
    int pidfdOpen(int pid) throws ErrnoException;

    void pidfdSendSignal(int pidfd, int signal) throws ErrnoException;

    /** Waits up to {@code timeoutMillis} for {@code fd} to be readable (a pidfd is readable once its process exited). */
    boolean pollReadable(int fd, int timeoutMillis) throws ErrnoException;

    void closeFd(int fd);

    /**
     * Grows this process's file descriptor table to hold at least {@code count} descriptors, once, so
     * that opening many pidfds later does not grow it step by step (each step waits for an RCU grace period).
     */
    void reserveDescriptors(int count);

    /**
     * Collects the exit status of this process's exited child, never any other: waitid(P_PIDFD) when
     * {@code pidfd} &ge; 0, else waitid(P_PID, {@code pid}), with WNOHANG. Never waitpid(-1), which would
     * steal an exit status the JDK's own reaper waits for. True if a zombie was reaped; false if the
     * child has not exited yet.
     *
     * @throws ErrnoException ECHILD if {@code pid} is not an unreaped child of this process
     */
    boolean reapChild(int pidfd, int pid) throws ErrnoException;

    /** prctl(PR_SET_CHILD_SUBREAPER, 1): orphans among this process's descendants are re-parented to it. */
    void becomeSubreaper() throws ErrnoException;

    /**
     * fcntl(F_SETFD, FD_CLOEXEC): no program this process execs inherits {@code fd} any more (the JDK's own starts
     * close every descriptor above 2 in the child anyway; native code that forks and execs does not).
     */
    default void closeOnExec(int fd) throws ErrnoException {
        throw new ErrnoException("fcntl(F_SETFD)", ErrnoException.ENOSYS);
    }

    /**
     * What {@code /proc/self/fd/<fd>} names (readlink(2), which opens nothing): {@code pipe:[<inode>]} for a pipe,
     * a path for a file; null when the descriptor is not open or /proc cannot tell.
     */
    default String fdTarget(int fd) {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Paths.get("/proc/self/fd/" + fd)).toString();
        } catch (java.io.IOException | RuntimeException notOpen) {
            return null;
        }
    }

    /** setsid(): this process leaves its session and process group, and its controlling terminal. */
    default void newSession() throws ErrnoException {
        throw new ErrnoException("setsid", ErrnoException.ENOSYS);
    }

    /**
     * Every process on this machine in one scan: fills {@code pids}, {@code ppids} and {@code startTicks} (clock
     * ticks since boot, as /proc shows them) and returns the count; a count larger than the arrays means: call
     * again with arrays of at least that size. Not atomic (each entry is read at its own moment).
     *
     * @throws ErrnoException ENOSYS where there is no such scan (see {@link JdkProcessTable})
     */
    default int processTable(long[] pids, long[] ppids, long[] startTicks) throws ErrnoException {
        throw new ErrnoException("process table scan", ErrnoException.ENOSYS);
    }

    /**
     * SIGKILL or SIGTERM to the process at {@code pid} only if it is the one that started at {@code startTicks}
     * (clock ticks since boot, from {@link #processTable}), checked right before kill(2) as a {@code ProcessHandle}'s
     * destroy checks it; false when it is not (gone, or its pid taken over).
     *
     * @throws ErrnoException ENOSYS where this has no such call or for another signal; EPERM for pid &lt;= 1 or this
     *     process
     */
    default boolean signalStarted(int pid, long startTicks, int signal) throws ErrnoException {
        throw new ErrnoException("start-time-checked kill", ErrnoException.ENOSYS);
    }

    /**
     * Where there are no pidfds: a handle on the process now at {@code pid} whose signals reach that process
     * only (its start time is compared right before kill(2)), or null when it is gone or this has no such
     * handle (the native calls: they pin with pidfds).
     */
    default ProcessHandle pinHandle(int pid) {
        return null;
    }

    /**
     * SIGKILL or SIGTERM through a handle of {@link #pinHandle}; false when the process it was made for is
     * gone (its pid may name another process now, which is left alone).
     *
     * @throws ErrnoException ENOSYS for any other signal, or where {@link #pinHandle} gives no handles
     */
    default boolean signalHandle(ProcessHandle handle, int signal) throws ErrnoException {
        throw new ErrnoException("signal through a process handle", ErrnoException.ENOSYS);
    }
}
