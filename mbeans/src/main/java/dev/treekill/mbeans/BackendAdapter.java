package dev.treekill.mbeans;

import java.util.Objects;

/**
 * The MXBean implementation: checks what JMX clients send, then delegates to the backend. Input is
 * checked here, before the backend, so a bad timeout never reaches the engine and every client
 * gets the same message whatever the backend does.
 */
final class BackendAdapter implements TreeKillerMXBean {
    private final TreeKillerBackend backend;

    BackendAdapter(TreeKillerBackend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    static long positive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be more than zero, was " + value);
        }
        return value;
    }

    static long notNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value);
        }
        return value;
    }

    @Override
    public boolean isEnabled() {
        return backend.isEnabled();
    }

    @Override
    public void setEnabled(boolean enabled) {
        backend.setEnabled(enabled);
    }

    @Override
    public long getReapTimeoutMillis() {
        return backend.getReapTimeoutMillis();
    }

    @Override
    public void setReapTimeoutMillis(long reapTimeoutMillis) {
        backend.setReapTimeoutMillis(positive("reapTimeoutMillis", reapTimeoutMillis));
    }

    @Override
    public long getWarnAfterMillis() {
        return backend.getWarnAfterMillis();
    }

    @Override
    public void setWarnAfterMillis(long warnAfterMillis) {
        backend.setWarnAfterMillis(positive("warnAfterMillis", warnAfterMillis));
    }

    @Override
    public String getScope() {
        return backend.getScope();
    }

    @Override
    public int getLiveDescendants() {
        return backend.liveDescendants();
    }

    @Override
    public int getZombieDescendants() {
        return backend.zombieDescendants();
    }

    @Override
    public int getKillsInProgress() {
        return backend.killsInProgress();
    }

    @Override
    public long getTreesKilled() {
        return backend.treesKilled();
    }

    @Override
    public long getProcessesKilled() {
        return backend.processesKilled();
    }

    @Override
    public long getReapTimeouts() {
        return backend.reapTimeouts();
    }

    @Override
    public long getErrors() {
        return backend.errors();
    }

    @Override
    public KillReport getLastKill() {
        return backend.lastKill();
    }

    @Override
    public KillReport killTree(long pid) {
        return backend.killTree(pid, backend.getReapTimeoutMillis());
    }

    @Override
    public KillReport killTree(long pid, long timeoutMillis) {
        return backend.killTree(pid, positive("timeoutMillis", timeoutMillis));
    }

    @Override
    public KillReport killDescendants(long timeoutMillis) {
        return backend.killDescendants(positive("timeoutMillis", timeoutMillis));
    }

    @Override
    public KillReport terminateTree(long pid, long graceMillis) {
        return backend.terminateTree(pid, notNegative("graceMillis", graceMillis), backend.getReapTimeoutMillis());
    }

    @Override
    public ProcessRow[] describeTree(long pid) {
        return backend.describeTree(pid);
    }

    @Override
    public void resetCounters() {
        backend.resetCounters();
    }
}
