package dev.treekill.agent.sys;

import dev.treekill.agent.log.Log;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The JDK's own scan of /proc and its own start-time-checked kill, below their public API: {@code ProcessHandleImpl}'s
 * native {@code getProcessPids0(0, pids, ppids, startTimes)} reads every process's pid, parent and start time in C
 * (what {@code descendants()} starts from, without its Java walk and streams), and its native
 * {@code destroy0(pid, startTime, force)} re-reads the start time of the process at that pid right before kill(2)
 * and does nothing if it differs: what a {@code ProcessHandle}'s {@code destroyForcibly()} does, without making a
 * handle per process.
 * <p>
 * Reached through a private lookup, which needs {@code java.lang} opened to the agent's module (the boot class
 * path's unnamed module: the agent's classes, and whatever else {@code -Xbootclasspath/a} put there):
 * {@link #setOpener}. The JDK reports start times in ms since
 * the epoch (its boot time, read once from /proc/stat, plus the start in clock ticks); this class converts them to
 * the clock ticks /proc shows, with the JDK's own boot time, learnt from this JVM's start.
 */
public final class JdkProcessTable {
    private static volatile Runnable opener;

    private final MethodHandle scan;
    private final MethodHandle isAlive;
    private final MethodHandle destroy;
    private final long bootMillis;
    /** The JDK converts a start of {@code t} ticks to {@code boot + t * 1000 / USER_HZ} ms, i.e. this per tick. */
    private final long millisPerTick;

    private JdkProcessTable(MethodHandle scan, MethodHandle isAlive, MethodHandle destroy, long bootMillis,
            long millisPerTick) {
        this.scan = scan;
        this.isAlive = isAlive;
        this.destroy = destroy;
        this.bootMillis = bootMillis;
        this.millisPerTick = millisPerTick;
    }

    /** How the agent opens {@code java.lang} to its own module (Instrumentation.redefineModule); set at install. */
    public static void setOpener(Runnable open) {
        opener = open;
    }

    /**
     * The table, or null where it cannot be had (no opener: not loaded as an agent; a JDK whose
     * {@code ProcessHandleImpl} has other members): callers then do without it. {@code selfStartTicks}: this JVM's
     * start in clock ticks, as its /proc stat shows it (the JDK's boot time is derived from it); {@code millisPerTick}:
     * the length of those ticks.
     */
    public static JdkProcessTable open(long selfStartTicks, long millisPerTick) {
        Runnable open = opener;
        if (open == null || selfStartTicks <= 0) {
            return null;
        }
        try {
            Class<?> impl = Class.forName("java.lang.ProcessHandleImpl");
            // Looked up first (no access needed to look), so that java.lang is not opened for a JDK without them.
            impl.getDeclaredMethod("getProcessPids0", long.class, long[].class, long[].class, long[].class);
            impl.getDeclaredMethod("isAlive0", long.class);
            impl.getDeclaredMethod("destroy0", long.class, long.class, boolean.class);
            open.run();
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(impl, MethodHandles.lookup());
            MethodHandle scan = lookup.findStatic(impl, "getProcessPids0",
                    MethodType.methodType(int.class, long.class, long[].class, long[].class, long[].class));
            MethodHandle isAlive = lookup.findStatic(impl, "isAlive0", MethodType.methodType(long.class, long.class));
            MethodHandle destroy = lookup.findStatic(impl, "destroy0",
                    MethodType.methodType(boolean.class, long.class, long.class, boolean.class));
            long selfStartMillis = (long) isAlive.invokeExact(ProcessHandle.current().pid());
            return selfStartMillis <= 0 ? null
                    : new JdkProcessTable(scan, isAlive, destroy, selfStartMillis - selfStartTicks * millisPerTick, millisPerTick);
        } catch (Throwable e) { // whatever this JDK says: no table, the caller does without
            Log.debug("no JDK process table: " + e);
            return null;
        }
    }

    /**
     * Every process on this machine (as /proc shows them to this user): fills {@code pids}, {@code ppids} and
     * {@code startTicks} (clock ticks since boot) and returns how many there are; a count larger than the arrays
     * means only part of it was written: call again with arrays of at least that size. Not atomic: each entry is
     * read at its own moment; a process that exits during the scan may be missing.
     */
    public int scan(long[] pids, long[] ppids, long[] startTicks) throws ErrnoException {
        int count;
        try {
            count = (int) scan.invokeExact(0L, pids, ppids, startTicks);
        } catch (Throwable e) { // e.g. opendir("/proc") failing in a JVM out of descriptors
            throw new ErrnoException("getProcessPids0: " + e, ErrnoException.EMFILE);
        }
        for (int i = Math.min(count, pids.length) - 1; i >= 0; i--) {
            startTicks[i] = (startTicks[i] - bootMillis) / millisPerTick;
        }
        return count;
    }

    /**
     * The start of the process at {@code pid} in clock ticks since boot, as the JDK reads it (one read of its /proc
     * stat, in C), or -1 if there is none (or it cannot be read).
     */
    public long startTicks(long pid) {
        long millis;
        try {
            millis = (long) isAlive.invokeExact(pid);
        } catch (Throwable e) {
            return -1;
        }
        return millis <= 0 ? -1 : (millis - bootMillis) / millisPerTick;
    }

    /**
     * SIGKILL ({@code force}) or SIGTERM to the process at {@code pid} if it is the one that started at
     * {@code startTicks}, checked by the JDK right before kill(2); false when it is not (gone, its pid taken over) or
     * kill(2) failed. The caller refuses pids that must never be signalled: this checks nothing of the kind.
     */
    boolean destroy(int pid, long startTicks, boolean force) throws ErrnoException {
        try {
            return (boolean) destroy.invokeExact((long) pid, bootMillis + startTicks * millisPerTick, force);
        } catch (Throwable e) {
            throw new ErrnoException("destroy0: " + e, ErrnoException.EINVAL);
        }
    }
}
