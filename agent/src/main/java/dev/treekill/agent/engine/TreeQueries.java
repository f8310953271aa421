package dev.treekill.agent.engine;

import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.signal.Refusal;
import java.util.List;

/** What an engine answers without signalling anything: who a pid or handle names, trees, and what it refuses. */
public interface TreeQueries {
    /**
     * Who {@code handle} names, established before anything is signalled: the process now at its pid if it is
     * the very process the handle was made for (the JDK's own test, {@code ProcessHandle.equals}, which compares
     * start times), pinned by its start time. Null when that process is gone (reaped) or its pid names another
     * process now: a stale handle has nothing left to signal, as in the JDK. A zombie not yet reaped is still it.
     */
    Target identify(ProcessHandle handle);

    /**
     * The process at {@code pid} now, pinned by its start time, for a pid given by a person or a script (JMX,
     * the command line): later checks and the kill are about that process, even if the pid changes hands
     * meanwhile. Null if no process has that pid (or it is not a pid).
     */
    Target identify(long pid);

    /** The tree of {@code rootPid}, root first, parents before children; empty if it is gone. Read-only, so any pid &gt; 0. */
    List<ProcEntry> describe(long rootPid);

    /** Every descendant of this JVM now, zombies included, parents before children. */
    List<ProcEntry> ownDescendants();

    /** Why {@code pid} may not be killed ({@link Refusal}), or null if it may. */
    String refusal(long pid);

    /**
     * The check of every pid a query is asked about: any number a pid can be ({@code 1..Integer.MAX_VALUE}).
     *
     * @throws IllegalArgumentException if {@code pid} cannot be a process id
     */
    static void requirePid(long pid) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pid " + pid + " is not a process id");
        }
    }

    /**
     * The one refusal check of every kill, the MBean and the command line.
     *
     * @throws IllegalArgumentException with the reason, if {@code pid} is one treekill must never signal
     */
    default void requireAllowed(long pid) {
        Refusal.throwIf(refusal(pid));
    }
}
