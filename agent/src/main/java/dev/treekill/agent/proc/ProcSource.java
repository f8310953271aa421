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

    /** The /proc of this machine. */
    static ProcSource system() {
        return ProcFs.INSTANCE;
    }
}
