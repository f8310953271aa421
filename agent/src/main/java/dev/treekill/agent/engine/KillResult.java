package dev.treekill.agent.engine;

import java.util.Arrays;

/** What one tree kill did. */
public final class KillResult {
    public final long rootPid;
    /** Processes sent SIGKILL (or SIGTERM for a terminate). */
    public final int signalled;
    /** Processes of the tree that had exited (zombies included) when the wait ended, signalled or not. */
    public final int exited;
    public final long[] survivors;
    public final double elapsedMillis;
    public final boolean timedOut;
    public final Trigger trigger;

    public KillResult(long rootPid, int signalled, int exited, long[] survivors, double elapsedMillis,
            boolean timedOut, Trigger trigger) {
        this.rootPid = rootPid;
        this.signalled = signalled;
        this.exited = exited;
        this.survivors = survivors.clone();
        this.elapsedMillis = elapsedMillis;
        this.timedOut = timedOut;
        this.trigger = trigger;
    }

    @Override
    public String toString() {
        // Not String.format: its first use loads locale data, ~10 ms inside a timed kill.
        return "root=" + rootPid + " signalled=" + signalled + " exited=" + exited + " survivors="
                + Arrays.toString(survivors) + " elapsed=" + Math.round(elapsedMillis * 10) / 10.0 + "ms"
                + (timedOut ? " TIMED OUT" : "") + " (" + trigger + ")";
    }
}
