package dev.treekill.mbeans;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An in-memory implementation of the contract that records every call that would reach an engine; kills can be
 * told to time out. It checks its input as the contract says (durations by {@link Durations}, before anything is
 * recorded), as the agent's implementation does: the tests show what a client gets of such a refusal.
 */
final class FakeBackend implements TreeKillerBackend {
    static final String REFUSAL = "pid 1 is refused: init and pids below it are never killed";

    /** Calls that reach the engine in a real backend, in order, e.g. {@code killTree(42,5000)}. */
    final List<String> calls = new CopyOnWriteArrayList<>();

    private volatile boolean enabled = true;
    private volatile long reapTimeoutMillis = 30_000;
    private volatile long warnAfterMillis = 10_000;
    private volatile long treesKilled = 11;
    private volatile long processesKilled = 42;
    private volatile long reapTimeouts = 3;
    private volatile long errors = 5;
    private volatile long[] survivorsOfNextKill = new long[0];
    private volatile KillReport lastKill;
    private volatile Consumer<KillReport> listener;

    /** Makes the next kill time out, leaving these pids alive. */
    void timeOutNextKill(long... survivors) {
        survivorsOfNextKill = survivors.clone();
    }

    /** What the agent does when an instrumented destroyForcibly() times out. */
    void instrumentedKillTimesOut(long rootPid, long... survivors) {
        listener.accept(new KillReport(rootPid, 4, 4 - survivors.length, survivors, 30_000.4, true,
                KillReport.TRIGGER_DESTROY_FORCIBLY));
    }

    Consumer<KillReport> listener() {
        return listener;
    }

    @Override
    public boolean isEnabled() {
        return enabled;
    }

    @Override
    public void setEnabled(boolean enabled) {
        calls.add("setEnabled(" + enabled + ")");
        this.enabled = enabled;
    }

    @Override
    public long getReapTimeoutMillis() {
        return reapTimeoutMillis;
    }

    @Override
    public void setReapTimeoutMillis(long millis) {
        Durations.positive("reapTimeoutMillis", millis);
        calls.add("setReapTimeoutMillis(" + millis + ")");
        reapTimeoutMillis = millis;
    }

    @Override
    public long getWarnAfterMillis() {
        return warnAfterMillis;
    }

    @Override
    public void setWarnAfterMillis(long millis) {
        Durations.positive("warnAfterMillis", millis);
        calls.add("setWarnAfterMillis(" + millis + ")");
        warnAfterMillis = millis;
    }

    @Override
    public String getScope() {
        return "descendants";
    }

    @Override
    public int getLiveDescendants() {
        return 7;
    }

    @Override
    public int getZombieDescendants() {
        return 2;
    }

    @Override
    public int getKillsInProgress() {
        return 1;
    }

    @Override
    public long getTreesKilled() {
        return treesKilled;
    }

    @Override
    public long getProcessesKilled() {
        return processesKilled;
    }

    @Override
    public long getReapTimeouts() {
        return reapTimeouts;
    }

    @Override
    public long getErrors() {
        return errors;
    }

    @Override
    public KillReport getLastKill() {
        return lastKill;
    }

    @Override
    public KillReport killTree(long pid) {
        return killTree(pid, reapTimeoutMillis);
    }

    @Override
    public KillReport killTree(long pid, long timeoutMillis) {
        Durations.positive("timeoutMillis", timeoutMillis);
        calls.add("killTree(" + pid + "," + timeoutMillis + ")");
        refuseLowPids(pid);
        return kill(pid, timeoutMillis);
    }

    @Override
    public KillReport terminateTree(long pid, long graceMillis) {
        Durations.notNegative("graceMillis", graceMillis);
        long timeoutMillis = reapTimeoutMillis;
        calls.add("terminateTree(" + pid + "," + graceMillis + "," + timeoutMillis + ")");
        refuseLowPids(pid);
        return kill(pid, timeoutMillis);
    }

    @Override
    public KillReport killDescendants(long timeoutMillis) {
        Durations.positive("timeoutMillis", timeoutMillis);
        calls.add("killDescendants(" + timeoutMillis + ")");
        return kill(ProcessHandle.current().pid(), timeoutMillis);
    }

    @Override
    public ProcessRow[] describeTree(long pid) {
        calls.add("describeTree(" + pid + ")");
        refuseLowPids(pid);
        return new ProcessRow[] {
            new ProcessRow(pid, 1, "S", "sh -c ./server"),
            new ProcessRow(pid + 1, pid, "R", "./server --port 8080"),
            new ProcessRow(pid + 2, pid + 1, "Z", "[worker] <defunct>"),
        };
    }

    @Override
    public void resetCounters() {
        calls.add("resetCounters()");
        treesKilled = 0;
        processesKilled = 0;
        reapTimeouts = 0;
        errors = 0;
    }

    @Override
    public void setTimeoutListener(Consumer<KillReport> listener) {
        this.listener = listener;
    }

    private static void refuseLowPids(long pid) {
        if (pid <= 1) {
            throw new IllegalArgumentException(REFUSAL.replace("pid 1", "pid " + pid));
        }
    }

    private KillReport kill(long rootPid, long timeoutMillis) {
        long[] survivors = survivorsOfNextKill;
        survivorsOfNextKill = new long[0];
        boolean timedOut = survivors.length > 0;
        KillReport report = new KillReport(rootPid, 3, 3 - survivors.length, survivors,
                timedOut ? timeoutMillis : 12.5, timedOut, KillReport.TRIGGER_JMX);
        lastKill = report;
        Consumer<KillReport> current = listener;
        if (timedOut && current != null) {
            current.accept(report);
        }
        return report;
    }
}
