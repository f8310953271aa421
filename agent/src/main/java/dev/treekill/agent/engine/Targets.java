package dev.treekill.agent.engine;

import dev.treekill.agent.starts.Started;
import dev.treekill.agent.starts.StartedProcesses;

/**
 * The one way a {@code Process} or a {@code ProcessHandle} becomes a {@link Target}: the root pinned by pid and
 * start time before anything is signalled (see {@link Engine#identify(ProcessHandle)}), with the JDK's record of
 * it (its cookie, so its escapees) only when that record is of this very process. Used by the destroy hooks and
 * the library bridge alike.
 */
public final class Targets {
    private Targets() {
    }

    /**
     * What {@code process} names: its live root with its record, or, when the root exited, its escapees alone
     * (through the record the Process itself keeps). Null when nothing is left to do: a finished Process the JDK
     * started without a record (so no cookie to find escapees by).
     */
    public static Target of(Engine engine, StartedProcesses started, Process process) {
        Started record = started.of(process);
        if (record == null && !process.isAlive()) {
            return null; // a dead root has no tree left to find, and no cookie to find escapees by
        }
        Target root = engine.identify(process.toHandle());
        if (root == null) {
            return record == null ? null : Target.started(record, false);
        }
        return root.withOwnRecord(record);
    }

    /**
     * What {@code handle} names: the process at its pid if the JDK says it is the handle's own (start times
     * compared), with the record of that very process. Null for a stale handle: its process is gone, its pid
     * perhaps someone else's now.
     */
    public static Target of(Engine engine, StartedProcesses started, ProcessHandle handle) {
        Target root = engine.identify(handle);
        return root == null ? null : root.with(started.ofPid(root.rootPid()));
    }
}
