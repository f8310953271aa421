package dev.treekill.agent.proc;

/**
 * The seam over /proc. The real one reads the file system; tests substitute pid reuse, entries that
 * vanish between listing and reading, unreadable files and hidepid without touching real processes.
 */
public interface ProcSource {
    /** The pids visible now (under hidepid, only some of them). */
    int[] pids();

    /** The text of /proc/[pid]/stat, or null if the process is gone or its entry cannot be read. */
    String stat(int pid);

    /** Whether {@link #children} works here (/proc/[pid]/task/[tid]/children, CONFIG_PROC_CHILDREN). */
    boolean hasChildrenFiles();

    /**
     * The children of {@code pid} (empty if it is gone): of every thread, or of its main thread only
     * when the caller knows it has no other. Exact only while {@code pid} cannot fork, i.e. once it is
     * stopped: callers rescan after stopping.
     */
    int[] children(int pid, boolean allThreads);

    /** The state letter of every thread of {@code pid} (e.g. "TTT"), empty if it is gone. */
    String threadStates(int pid);

    /** Where {@code pid} sleeps in the kernel (/proc/[pid]/wchan), "" if unknown or gone. */
    String wchan(int pid);

    /** The real user id of {@code pid} (the Uid line of /proc/[pid]/status), or -1 if it is gone or unreadable. */
    int uid(int pid);

    /**
     * The process {@code pid} belongs to (the Tgid line of /proc/[pid]/status): {@code pid} itself for a process,
     * another pid when {@code pid} is a thread id (which /proc answers for too, though it does not list it), -1
     * if it is gone or unreadable. A thread id must never be taken for a process: kill(tid) signals its whole
     * process.
     */
    int tgid(int pid);

    /**
     * The environment {@code pid} was started with (/proc/[pid]/environ: NUL-separated NAME=value, as
     * ISO-8859-1 so that every byte survives), or null if it is gone or unreadable. Empty for a zombie.
     */
    String environ(int pid);

    /**
     * Now, in the clock ticks process start times count in (/proc/uptime, USER_HZ = 100 on Linux), or -1 if
     * unknown.
     */
    long ticksSinceBoot();

    /** This process's soft limit on open files (/proc/self/limits), or Long.MAX_VALUE if unknown. */
    long openFilesLimit();

    /** The /proc of this machine. */
    static ProcSource system() {
        return ProcFs.INSTANCE;
    }

    /**
     * This process's pid as /proc names it (/proc/self): 1 for the init of a PID namespace mounted with its
     * own /proc, something else than getpid() when /proc belongs to another namespace; -1 without /proc.
     */
    static int selfPidInProc() {
        try {
            return Integer.parseInt(new java.io.File("/proc/self").getCanonicalFile().getName());
        } catch (java.io.IOException | NumberFormatException | SecurityException e) {
            return -1;
        }
    }
}
