package dev.treekill.agent.engine;

import dev.treekill.agent.signal.Member;
import java.util.Arrays;
import java.util.List;

/** What one tree kill did. Built by {@link #of} and {@link #escalated} only, so every engine counts alike. */
public final class KillResult {
    public final long rootPid;
    /** Processes sent SIGKILL (or SIGTERM, for a terminate and its escalation). */
    public final int signalled;
    /**
     * Processes taken by the kill (signalled or not: a member whose signal could not be sent, EPERM, counts too)
     * that had exited, zombies included, when the wait ended.
     */
    public final int exited;
    /** Pids of the members still alive when the wait ended. */
    public final long[] survivors;
    /** From the start of the kill (before the freeze, see {@link PendingKill#startNanos()}) to the end of the wait. */
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

    /** {@code kill} waited for, with {@code alive} (of its members) still alive at the end: a timeout if any is. */
    public static KillResult of(PendingKill kill, List<Member> alive) {
        long[] survivors = new long[alive.size()];
        for (int i = 0; i < survivors.length; i++) {
            survivors[i] = alive.get(i).pid();
        }
        return new KillResult(kill.rootPid(), kill.signalled(), kill.size() - alive.size(), survivors,
                millisSince(kill.startNanos()), survivors.length > 0, kill.trigger());
    }

    /**
     * A terminate and its escalation as one kill: {@code terminated}'s SIGTERMs, {@code exitedInGrace} of its
     * members gone within the grace, then {@code last}, the SIGKILL of the rest; timed from the SIGTERM.
     */
    public static KillResult escalated(PendingKill terminated, int exitedInGrace, KillResult last) {
        return new KillResult(terminated.rootPid(), terminated.signalled(), exitedInGrace + last.exited, last.survivors,
                millisSince(terminated.startNanos()), last.timedOut, terminated.trigger());
    }

    private static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    @Override
    public String toString() {
        // Not String.format: its first use loads locale data, ~10 ms inside a timed kill.
        return "root=" + rootPid + " signalled=" + signalled + " exited=" + exited + " survivors="
                + Arrays.toString(survivors) + " elapsed=" + Math.round(elapsedMillis * 10) / 10.0 + "ms"
                + (timedOut ? " TIMED OUT" : "") + " (" + trigger + ")";
    }
}
