package dev.treekill.mbeans;

import java.util.function.Consumer;

/**
 * The kill engine as the MBean sees it. The agent implements this; the mbeans module knows nothing
 * else about the agent. Every method may be called concurrently from JMX connector threads.
 */
public interface TreeKillerBackend {
    /** Whether the destroy()/destroyForcibly() instrumentation is active. */
    boolean isEnabled();

    /** Turns the instrumentation on or off. */
    void setEnabled(boolean enabled);

    /** How long an instrumented destroyForcibly() (and killTree(pid), terminateTree after SIGKILL) waits for the tree to exit. */
    long getReapTimeoutMillis();

    /** Sets the wait timeout; throws IllegalArgumentException if {@code millis <= 0}. */
    void setReapTimeoutMillis(long millis);

    /** After how long a still-running wait logs a warning. */
    long getWarnAfterMillis();

    /** Sets the warning delay (the MBean refuses {@code millis <= 0} before calling this). */
    void setWarnAfterMillis(long millis);

    /** Which pids may be killed through JMX: {@code descendants} or {@code user}. */
    String getScope();

    /** Current non-zombie descendants of this JVM. */
    int liveDescendants();

    /** Current zombie descendants of this JVM. */
    int zombieDescendants();

    /** Tree kills running right now. */
    int killsInProgress();

    /** Total tree kills since start or the last reset (instrumented and JMX). */
    long treesKilled();

    /** Total processes sent SIGKILL since start or the last reset. */
    long processesKilled();

    /** Kills whose wait hit the timeout since start or the last reset. */
    long reapTimeouts();

    /** Internal failures since start or the last reset (the application never sees them). */
    long errors();

    /** The most recent kill, or null if there was none. */
    KillReport lastKill();

    /** Kills the tree rooted at pid and waits up to timeoutMillis; IllegalArgumentException with the exact reason if the pid is refused. */
    KillReport killTree(long pid, long timeoutMillis);

    /**
     * SIGTERMs the tree rooted at pid, waits up to graceMillis (>= 0, checked by the MBean; 0 sends
     * SIGKILL right after SIGTERM) for it to exit, then SIGKILLs every member still alive (and their
     * trees) and waits up to timeoutMillis (> 0) for every process to exit, a zombie counting as
     * exited; trigger {@value KillReport#TRIGGER_JMX}. IllegalArgumentException with the exact reason
     * if the pid is refused.
     */
    KillReport terminateTree(long pid, long graceMillis, long timeoutMillis);

    /** Kills every child tree of this JVM and waits up to timeoutMillis (positive, checked by the MBean). */
    KillReport killDescendants(long timeoutMillis);

    /** The tree rooted at pid, root first; IllegalArgumentException with the reason if the pid is refused. */
    ProcessRow[] describeTree(long pid);

    /** Sets the long counters (trees, processes, timeouts, errors) back to zero. */
    void resetCounters();

    /**
     * Sets the one listener to call, on the killing thread, for EVERY kill whose wait timed out
     * (instrumented or JMX); null removes it. The MBean's listener is thread-safe and only queues.
     */
    void setTimeoutListener(Consumer<KillReport> listener);
}
