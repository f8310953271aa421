package dev.treekill.agent.engine;

import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import java.util.Optional;

/**
 * Establishes who a kill aims at before anything is signalled: a pid together with its start time (clock ticks
 * since boot, /proc/[pid]/stat field 22). Two processes of one pid started within one clock tick would look
 * alike; the JDK's own check, in milliseconds, has the same blind spot.
 */
public final class RootIdentity {
    /** Reads of a pid that changes hands under the check before it counts as gone. */
    private static final int ATTEMPTS = 3;

    private RootIdentity() {
    }

    /**
     * The process at the handle's pid, if the JDK says it is the handle's own ({@code ProcessHandle.equals}
     * compares start times): /proc is read before and after asking the JDK, so that the start time pinned is
     * that of the process the JDK compared. Null if it is gone or its pid names another process now.
     */
    public static Target ofHandle(ProcSource proc, ProcessHandle handle) {
        long pid = handle.pid();
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            return null;
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            ProcEntry before = ProcTable.read(proc, (int) pid);
            if (before == null) {
                return null;
            }
            Optional<ProcessHandle> now = ProcessHandle.of(pid);
            if (before.sameProcess(ProcTable.read(proc, (int) pid))) {
                return now.isPresent() && handle.equals(now.get()) ? Target.identified(pid, before.startTime, handle) : null;
            }
        }
        return null; // the pid changed hands under each look: whatever the handle named is gone
    }

    /** The process at {@code pid} now, pinned by its start time; null if there is none. */
    public static Target ofPid(ProcSource proc, long pid) {
        ProcEntry now = pid <= 0 || pid > Integer.MAX_VALUE ? null : ProcTable.read(proc, (int) pid);
        return now == null ? null : Target.identified(pid, now.startTime, null);
    }
}
