package dev.treekill.agent.starts;

import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Under dynamic attach: the children the JVM had before the agent could see its starts. The JDK may be waiting
 * for any of them, so they count as the JDK's for as long as they live (see {@link StartedProcesses#startedByJdk}).
 */
final class AttachedChildren {
    /** The JDK's reaper collects its children at once: one that stays a zombie this long is nobody's. */
    private static final long UNREAPED_ZOMBIE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Map<Long, Child> byPid = new ConcurrentHashMap<>();
    private final LongSupplier nanoClock;
    /** The children of before were noted: from then on every start is tracked. */
    private volatile boolean noted;

    AttachedChildren(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** One child of before the attach. */
    private static final class Child {
        /** Clock ticks since boot: the same pid later is another process unless this matches. */
        final long startTicks;
        /** When it was first seen a zombie (the registry's nanoClock), or {@link #NOT_A_ZOMBIE}. */
        long zombieSinceNanos = NOT_A_ZOMBIE;

        Child(long startTicks) {
            this.startTicks = startTicks;
        }
    }

    private static final long NOT_A_ZOMBIE = Long.MIN_VALUE;

    /** Notes {@code children} (pids read from {@code proc}) as the JDK's; those gone already are left out. */
    void note(ProcSource proc, int[] children) {
        for (int pid : children) {
            ProcEntry e = ProcTable.read(proc, pid);
            if (e != null) {
                byPid.put((long) pid, new Child(e.startTime));
            }
        }
        noted = true;
    }

    boolean noted() {
        return noted;
    }

    boolean contains(long pid) {
        return byPid.containsKey(pid);
    }

    boolean isEmpty() {
        return byPid.isEmpty();
    }

    /**
     * Forgets the children that are gone (reaped by the JDK: their pids may come back as orphans), and those that
     * stay zombies for a second: the JDK's reaper waits for its children from their start and takes them at once,
     * so such a one is an orphan the JVM had adopted before the attach.
     */
    void forgetGone(ProcSource proc) {
        for (Iterator<Map.Entry<Long, Child>> it = byPid.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Child> u = it.next();
            Child child = u.getValue();
            ProcEntry now = ProcTable.read(proc, (int) (long) u.getKey());
            if (now == null || now.startTime != child.startTicks) {
                it.remove();
            } else if (now.isZombie()) {
                long t = nanoClock.getAsLong();
                if (child.zombieSinceNanos == NOT_A_ZOMBIE) {
                    child.zombieSinceNanos = t;
                } else if (t - child.zombieSinceNanos > UNREAPED_ZOMBIE_NANOS) {
                    it.remove();
                }
            }
        }
    }
}
