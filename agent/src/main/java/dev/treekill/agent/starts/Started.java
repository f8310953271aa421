package dev.treekill.agent.starts;

import dev.treekill.agent.proc.ProcEntry;

/** One process the JDK started. */
public final class Started {
    final long pid;
    /** Null when cookies are off or the process opted out. */
    final String cookie;
    /** Clock ticks since boot, or {@link ProcEntry#UNKNOWN_START} when not (yet) read. */
    volatile long startTicks = ProcEntry.UNKNOWN_START;
    /** When the JDK was first seen to have collected its exit status (clock ticks), or {@link ProcEntry#UNKNOWN_START}. */
    volatile long endTicks = ProcEntry.UNKNOWN_START;
    volatile boolean reaped;
    /** Marked spared when it began (see {@link StartedProcesses#markSpared}). */
    final boolean spared;
    /** destroy() or destroyForcibly() was called on it: whatever of it is left was meant to go. */
    volatile boolean destroyed;

    Started(long pid, String cookie, boolean spared) {
        this.pid = pid;
        this.cookie = cookie;
        this.spared = spared;
    }

    /** Marked spared when it began: the shutdown's own work, which the exit kill and the guard leave alone. */
    public boolean spared() {
        return spared;
    }

    public long pid() {
        return pid;
    }

    /** Null when cookies are off or the process opted out. */
    public String cookie() {
        return cookie;
    }

    /** Clock ticks since boot, or {@link ProcEntry#UNKNOWN_START} when not known. */
    public long startTicks() {
        return startTicks;
    }

    /** Whether the JDK was seen to have collected its exit status. */
    public boolean reaped() {
        return reaped;
    }

    /** When the JDK was first seen to have collected its exit status (clock ticks), or {@link ProcEntry#UNKNOWN_START}. */
    public long endTicks() {
        return endTicks;
    }

    public boolean destroyed() {
        return destroyed;
    }

    public void markDestroyed() {
        destroyed = true;
    }
}
