package dev.treekill.agent.engine;

/**
 * Kills process trees. Two phases, because the tree must be taken before its root dies (after that the
 * grandchildren are re-parented and cannot be found) while the wait may run later ({@link KillWaiter}). The
 * engine knows nothing of what asked ({@link Trigger} is only carried into the result), nor of instrumentation,
 * JMX or options.
 */
public interface Engine extends TreeQueries, KillWaiter {
    /**
     * Phase one: finds the tree of the target, freezes it so nothing forks away, and sends SIGKILL to every
     * member. Returns an empty kill if the root is already gone.
     *
     * @throws IllegalArgumentException if the pid is one treekill must never signal
     */
    PendingKill kill(Target target, Trigger trigger);

    /** {@link #kill(Target, Trigger)} of the tree of the process at {@code rootPid} now, alone. */
    default PendingKill kill(long rootPid, Trigger trigger) {
        Target root = identify(rootPid);
        return kill(root != null ? root : Target.gone(rootPid), trigger);
    }

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

    /**
     * Waits up to {@code graceMillis} (from the SIGTERM) for a terminated target, then kills what is still
     * alive, with the trees those have now, and waits for them until {@code deadline} (counted from that
     * SIGKILL). Releases the terminated target.
     */
    KillResult escalate(PendingKill terminated, long graceMillis, Deadline deadline);

    /** Reaps the zombies this JVM adopted (PID 1, or a subreaper) that the JDK did not start; how many. */
    int reapOrphans();
}
