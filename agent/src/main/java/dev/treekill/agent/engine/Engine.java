package dev.treekill.agent.engine;

import dev.treekill.agent.proc.ProcEntry;
import java.util.List;

/**
 * Kills process trees. Two phases, because the tree must be taken before its root dies (after that
 * the grandchildren are re-parented and cannot be found) while the wait may run later.
 */
public interface Engine {
    /**
     * Phase one: finds the tree of {@code rootPid}, freezes it so nothing forks away, and sends SIGKILL
     * to every member. Returns an empty kill if the root is already gone.
     *
     * @throws IllegalArgumentException if the pid is one treekill must never signal
     */
    PendingKill kill(Target target, Trigger trigger);

    /** {@link #kill(Target, String)} of the tree of the process at {@code rootPid} now, alone. */
    default PendingKill kill(long rootPid, Trigger trigger) {
        Target root = identify(rootPid);
        return kill(root != null ? root : Target.gone(rootPid), trigger);
    }

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

    /**
     * Phase two: waits until every member has exited (zombies count) or the deadline passes; reaps the
     * members that became this JVM's orphans. Releases the kill.
     */
    KillResult await(PendingKill kill, Deadline deadline);

    /**
     * Sends SIGTERM to the whole target (frozen first so that nothing forks away) and continues it, without
     * waiting. The members stay pinned until {@link #release} or {@link #escalate}.
     *
     * @throws IllegalArgumentException if the pid is one treekill must never signal
     */
    PendingKill terminate(Target target, Trigger trigger);

    /**
     * Takes the whole target as {@link #terminate} does (frozen so that nothing forks away, pinned, continued)
     * but signals nothing: for {@code destroy=mixed}, where the root gets its SIGTERM from the JDK's own
     * destroy() and the rest only SIGKILL from {@link #escalate}, found by this snapshot even when re-parented.
     *
     * @throws IllegalArgumentException if the pid is one treekill must never signal
     */
    PendingKill snapshot(Target target, Trigger trigger);

    /** Lets go of a terminated target without waiting for it. */
    void release(PendingKill terminated);

    /**
     * Waits up to {@code graceMillis} (from the SIGTERM) for a terminated target, then kills what is still
     * alive, with the trees those have now, and waits for them until {@code deadline} (counted from that
     * SIGKILL). Releases the terminated target.
     */
    KillResult escalate(PendingKill terminated, long graceMillis, Deadline deadline);

    /** Reaps the zombies this JVM adopted (PID 1, or a subreaper) that the JDK did not start; how many. */
    int reapOrphans();

    /** The tree of {@code rootPid}, root first, parents before children; empty if it is gone. Read-only, so any pid &gt; 0. */
    List<ProcEntry> describe(long rootPid);

    /** Every descendant of this JVM now, zombies included, parents before children. */
    List<ProcEntry> ownDescendants();

    /** Why {@code pid} may not be killed, or null if it may. */
    String refusal(long pid);

    KillStats stats();
}
