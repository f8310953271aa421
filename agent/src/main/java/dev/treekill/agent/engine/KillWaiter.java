package dev.treekill.agent.engine;

/**
 * Phase two of a kill: what made a {@link PendingKill} waits for it (see {@link PendingKill#waiter()}), so that
 * an engine that hands kills to another (the cold-start engine) sends each wait to its maker without asking
 * what kind of kill it holds.
 */
public interface KillWaiter {
    /**
     * Waits until every member has exited (zombies count) or the deadline passes; reaps the members that became
     * this JVM's orphans. Releases the kill. Counts and logs it as finished.
     */
    KillResult await(PendingKill kill, Deadline deadline);

    /** Lets go of a kill (a terminated target) without waiting for it. */
    void release(PendingKill kill);
}
