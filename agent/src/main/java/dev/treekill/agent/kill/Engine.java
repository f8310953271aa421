package dev.treekill.agent.kill;

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
    PendingKill kill(long rootPid, String trigger);

    /** Phase two: waits until every member has exited (zombies count) or the deadline passes. */
    KillResult await(PendingKill kill, Deadline deadline);

    /** Sends SIGTERM to the whole tree (frozen first so that nothing forks away), without waiting. */
    int terminate(long rootPid);

    /** The tree of {@code rootPid}, root first, parents before children; empty if it is gone. Read-only, so any pid &gt; 0. */
    List<ProcEntry> describe(long rootPid);

    /** Every descendant of this JVM now, zombies included, parents before children. */
    List<ProcEntry> ownDescendants();

    /** Why {@code pid} may not be killed, or null if it may. */
    String refusal(long pid);

    KillStats stats();
}
