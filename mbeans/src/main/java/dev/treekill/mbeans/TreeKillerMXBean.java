package dev.treekill.mbeans;

/**
 * The JMX contract of treekill, registered as {@value #OBJECT_NAME}. Names and types here are
 * public: JConsole users, scripts and the CLI rely on them. {@link TreeKillerBean} adds the
 * descriptions, parameter names and impacts that generic clients show.
 */
public interface TreeKillerMXBean {
    /** Where the MBean is registered. */
    String OBJECT_NAME = "dev.treekill:type=TreeKiller";

    /** Type of the notification sent when a kill's wait times out; userData is the survivor pids (long[]). */
    String REAP_TIMEOUT_NOTIFICATION = "dev.treekill.reap.timeout";

    boolean isEnabled();

    void setEnabled(boolean enabled);

    long getReapTimeoutMillis();

    void setReapTimeoutMillis(long reapTimeoutMillis);

    long getWarnAfterMillis();

    void setWarnAfterMillis(long warnAfterMillis);

    /** Read-only on purpose: widening what JMX may kill must take an agent option, not a remote call. */
    String getScope();

    int getLiveDescendants();

    int getZombieDescendants();

    int getKillsInProgress();

    long getTreesKilled();

    long getProcessesKilled();

    long getReapTimeouts();

    long getErrors();

    KillReport getLastKill();

    /** Kills the tree and waits up to ReapTimeoutMillis. */
    KillReport killTree(long pid);

    KillReport killTree(long pid, long timeoutMillis);

    KillReport killDescendants(long timeoutMillis);

    /**
     * SIGTERMs the tree, waits up to graceMillis (>= 0) for it to exit, then SIGKILLs what is still
     * alive and waits up to ReapTimeoutMillis.
     */
    KillReport terminateTree(long pid, long graceMillis);

    ProcessRow[] describeTree(long pid);

    void resetCounters();
}
