package dev.treekill.mbeans;

/**
 * The JMX contract of treekill, registered as {@value #OBJECT_NAME}, stated once: names and types here are
 * public (JConsole users, scripts and the CLI rely on them), and so are the checks. An implementation refuses a
 * bad value with an IllegalArgumentException whose message is the reason, before anything is changed or killed:
 * durations by {@link Durations} ({@code "timeoutMillis must be more than zero, was 0"}), pids by the agent's
 * refusal rule. {@link TreeKillerBean} adds the descriptions, parameter names and impacts that generic clients
 * show, and the notification.
 */
public interface TreeKillerMXBean {
    /** Where the MBean is registered. */
    String OBJECT_NAME = "dev.treekill:type=TreeKiller";

    /** Type of the notification sent when a kill's wait times out; userData is the survivor pids (long[]). */
    String REAP_TIMEOUT_NOTIFICATION = "dev.treekill.reap.timeout";

    /** Whether the destroy()/destroyForcibly() instrumentation is active. */
    boolean isEnabled();

    /** Turns the instrumentation on or off. */
    void setEnabled(boolean enabled);

    /** How long an instrumented destroyForcibly() (and killTree(pid), terminateTree after SIGKILL) waits for the tree to exit. */
    long getReapTimeoutMillis();

    /** Sets the wait; {@link Durations#positive} as {@code reapTimeoutMillis}. */
    void setReapTimeoutMillis(long reapTimeoutMillis);

    /** After how long a still-running wait logs a warning; a warning at or after the timeout is never given. */
    long getWarnAfterMillis();

    /** Sets the warning delay; {@link Durations#positive} as {@code warnAfterMillis}. */
    void setWarnAfterMillis(long warnAfterMillis);

    /**
     * Which pids may be killed through JMX: {@code descendants} or {@code user}. Read-only on purpose: widening
     * what JMX may kill must take an agent option, not a remote call.
     */
    String getScope();

    /** Current non-zombie descendants of this JVM. */
    int getLiveDescendants();

    /** Current zombie descendants of this JVM. */
    int getZombieDescendants();

    /** Tree kills running right now. */
    int getKillsInProgress();

    /** Total tree kills since start or the last reset (instrumented and JMX). */
    long getTreesKilled();

    /** Total processes sent SIGKILL since start or the last reset. */
    long getProcessesKilled();

    /** Kills whose wait hit the timeout since start or the last reset. */
    long getReapTimeouts();

    /** Internal failures since start or the last reset (the application never sees them). */
    long getErrors();

    /** The most recent kill, whatever its trigger, or null if there was none. */
    KillReport getLastKill();

    /** {@link #killTree(long, long)} with ReapTimeoutMillis. */
    KillReport killTree(long pid);

    /**
     * Kills the tree rooted at pid (with its escapees when this JVM started it) and waits up to timeoutMillis
     * ({@link Durations#positive}) for every process to exit, a zombie counting as exited; trigger
     * {@value KillReport#TRIGGER_JMX}. Refuses pid &lt;= 1, this JVM, its ancestors, unknown pids and pids
     * outside Scope.
     */
    KillReport killTree(long pid, long timeoutMillis);

    /** Kills every child tree of this JVM and waits up to timeoutMillis ({@link Durations#positive}). */
    KillReport killDescendants(long timeoutMillis);

    /**
     * SIGTERMs the tree, waits up to graceMillis ({@link Durations#notNegative}; 0 sends SIGKILL right after
     * SIGTERM) for it to exit, then SIGKILLs every member still alive (and their trees) and waits up to
     * ReapTimeoutMillis; trigger {@value KillReport#TRIGGER_JMX}. Refuses the pids {@link #killTree(long, long)}
     * refuses.
     */
    KillReport terminateTree(long pid, long graceMillis);

    /** The tree rooted at pid, root first; refuses the pids {@link #killTree(long, long)} refuses. */
    ProcessRow[] describeTree(long pid);

    /** Sets the long counters (trees, processes, timeouts, errors) back to zero. */
    void resetCounters();
}
