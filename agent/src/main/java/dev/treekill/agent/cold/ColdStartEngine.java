package dev.treekill.agent.cold;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.RootIdentity;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.JdkProcessTable;
import dev.treekill.agent.sys.JdkSyscalls;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The engine from a JVM's first process start on: while the native engine is not ready yet (JNA loads in
 * the background, 40-70 ms), a kill that keeps every guarantee without native calls ({@link ColdTreeKiller#accepts})
 * is done by {@link ColdTreeKiller} at once; every other request waits for the native engine, as it did
 * before. A kill is waited for by the engine that made it.
 */
public final class ColdStartEngine implements Engine {
    /**
     * Test switch, read once: {@code -Dtreekill.coldKill=always} sends every kill the cold path accepts down
     * that path even when the native engine is ready, so that the guarantees can be tested on it;
     * {@code -Dtreekill.coldKill=scans} does too, and takes every tree by scans from its root on (linked at the
     * first kill if the background thread has not yet).
     */
    public static final String FORCE_PROPERTY = "treekill.coldKill";

    /** Calls after which C1 compiles a method (its threshold is about 200): see {@link #prepareLargeKills}. */
    private static final int WARM_UP_READS = 256;

    private final Supplier<Engine> full;
    private final BooleanSupplier fullReady;
    private final KillStats stats;
    private final StartedProcesses started;
    /** False where the cold path cannot keep the guarantees: no cookies, or a JVM that adopts orphans (it reaps them). */
    private final boolean coldAllowed;
    private final boolean forced;
    private final boolean forcedScans;
    private volatile ColdTreeKiller cold;
    private final AtomicInteger coldKillsInFlight = new AtomicInteger();
    private volatile boolean coldUnavailable;
    /** This JDK has no table for the scans (see {@link #linkScans}): no use linking again. */
    private boolean scansUnavailable;

    /**
     * {@code full}: the native (or portable) engine, possibly blocking until it is built; {@code fullReady}: whether
     * it is built already. The cold path is taken only with cookies on and where this JVM adopts no orphans.
     */
    public ColdStartEngine(Supplier<Engine> full, BooleanSupplier fullReady, KillStats stats, StartedProcesses started,
            Adoption adoption, CookieMode cookies) {
        this.full = full;
        this.fullReady = fullReady;
        this.stats = stats;
        this.started = started;
        this.coldAllowed = cookies.on() && !adoption.adopts();
        String force = System.getProperty(FORCE_PROPERTY);
        this.forcedScans = "scans".equals(force);
        this.forced = forcedScans || "always".equals(force);
    }

    @Override
    public PendingKill kill(Target target, Trigger trigger) {
        if (coldAllowed && ColdTreeKiller.accepts(target) && (forced || !fullReady.getAsBoolean())) {
            ColdTreeKiller c = cold();
            if (c != null && forcedScans) {
                linkScans();
            }
            if (c != null) {
                coldKillsInFlight.incrementAndGet(); // until its await ends
                try {
                    return c.kill(target, trigger);
                } catch (RuntimeException | Error e) {
                    coldKillsInFlight.decrementAndGet();
                    throw e;
                }
            }
        }
        return full.get().kill(target, trigger);
    }

    /**
     * Waits until no cold kill is signalling or waiting for its tree, at most {@code maxMillis} (a kill never awaited
     * counts until then): the warm-up asks before it loads JNA, whose 40-70 ms of CPU would otherwise compete on a
     * small machine with the kill of a large tree and the exits it causes (it halved the speed of the signalling of a
     * 1000-process tree on 2 cores).
     */
    public void awaitColdKills(long maxMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxMillis);
        while (coldKillsInFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    /**
     * Builds the cold path ahead of a kill, where it works, and loads what pins a root by asking who this JVM is
     * (read-only). Never the native engine: that one loads JNA, which the warm-up starts later on purpose.
     */
    public void prepare() {
        if (cold() != null) {
            RootIdentity.ofHandle(ProcSource.system(), ProcessHandle.current());
        }
    }

    /**
     * {@link #linkScans}, then, where they are linked, runs the read a large tree's kill makes of every member after
     * its signals ({@link ProcTable#read}, here of this JVM) until the JIT has compiled it: in a kill at the first
     * moment all 1000 such reads of a 1000-process tree ran interpreted, about 25 µs each against 15 compiled. Stops
     * as soon as a cold kill is under way (it goes first). For the background thread.
     */
    public void prepareLargeKills() {
        linkScans();
        ColdTreeKiller c = cold;
        if (c == null || !c.scansEnabled()) {
            return;
        }
        ProcSource proc = ProcSource.system();
        int self = (int) ProcessHandle.current().pid();
        for (int i = 0; i < WARM_UP_READS && coldKillsInFlight.get() == 0; i++) {
            ProcTable.read(proc, self);
        }
    }

    /**
     * Links the JDK's scan of /proc for the cold path's large trees (a few ms in a fresh JVM; opens {@code java.lang}
     * to the agent's module; signals nothing): after {@link #prepare}, so that a kill right at the first start has
     * what it needs first, or by the first kill of a large tree, whichever comes first; until then trees are walked.
     * Only where the JDK's start times convert to /proc's exactly, as checked on this JVM's parent. Nothing where no
     * kill goes cold.
     */
    public synchronized void linkScans() {
        ColdTreeKiller c = coldAllowed ? cold() : null; // where no kill goes cold, java.lang stays closed
        if (c == null || c.scansEnabled() || scansUnavailable) {
            return;
        }
        long startNanos = System.nanoTime();
        ProcSource proc = ProcSource.system();
        ProcEntry me = ProcTable.read(proc, (int) ProcessHandle.current().pid());
        ProcEntry parent = me == null ? null : ProcTable.read(proc, me.ppid);
        JdkProcessTable table = parent == null ? null : JdkProcessTable.open(me.startTime, ProcEntry.MILLIS_PER_TICK);
        if (table == null || table.startTicks(parent.pid) != parent.startTime) {
            // A JDK without the natives stays so; a parent that exited meanwhile, or that /proc does not show, may not.
            scansUnavailable = parent != null && table == null;
            Log.debug("no scans for the cold kill: the JDK's table is missing or its start times are not /proc's for "
                    + parent);
            return;
        }
        int walkLimit = c.enableScans(new JdkSyscalls(table), forcedScans ? 1 : 0);
        if (Log.enabled(Log.Level.DEBUG)) {
            Log.debug("cold path: scans of /proc linked in " + (System.nanoTime() - startNanos) / 1000 + " us; trees past "
                    + walkLimit + " processes are scanned");
        }
    }

    /** The cold engine, or null where /proc has no children files or shows another PID namespace than this JVM's. */
    private ColdTreeKiller cold() {
        ColdTreeKiller c = cold;
        if (c == null && !coldUnavailable) {
            synchronized (this) {
                if (cold == null && !coldUnavailable) {
                    JdkSyscalls sys = new JdkSyscalls();
                    // The walk reads children files (CONFIG_PROC_CHILDREN), and the pids it reads must be ours.
                    if (ProcSource.system().hasChildrenFiles() && ProcSource.selfPidInProc() == sys.selfPid()) {
                        cold = new ColdTreeKiller(sys, ProcSource.system(), stats, started, new Runnable() {
                            @Override
                            public void run() {
                                linkScans();
                            }
                        });
                    } else {
                        coldUnavailable = true;
                    }
                }
                c = cold;
            }
        }
        return c;
    }

    /**
     * Identity needs no native call: until the native engine is ready, /proc and the JDK's own start-time test
     * answer it here (as the native engine would), so a first kill does not wait for JNA to learn whom it aims at.
     */
    @Override
    public Target identify(ProcessHandle handle) {
        return fullReady.getAsBoolean() || cold() == null ? full.get().identify(handle)
                : RootIdentity.ofHandle(ProcSource.system(), handle);
    }

    @Override
    public Target identify(long pid) {
        return fullReady.getAsBoolean() || cold() == null ? full.get().identify(pid)
                : RootIdentity.ofPid(ProcSource.system(), pid);
    }

    @Override
    public PendingKill snapshot(Target target, Trigger trigger) {
        return full.get().snapshot(target, trigger);
    }

    /** By the engine that made the kill: a cold kill is waited for by the cold path, whatever is ready by now. */
    @Override
    public KillResult await(PendingKill kill, Deadline deadline) {
        try {
            return kill.waiter().await(kill, deadline);
        } finally {
            if (kill.waiter() instanceof ColdTreeKiller) {
                coldKillsInFlight.decrementAndGet();
            }
        }
    }

    @Override
    public PendingKill terminate(Target target, Trigger trigger) {
        return full.get().terminate(target, trigger);
    }

    @Override
    public void release(PendingKill terminated) {
        terminated.waiter().release(terminated);
    }

    @Override
    public KillResult escalate(PendingKill terminated, long graceMillis, Deadline deadline) {
        return full.get().escalate(terminated, graceMillis, deadline);
    }

    @Override
    public int reapOrphans() {
        return full.get().reapOrphans();
    }

    @Override
    public List<ProcEntry> describe(long rootPid) {
        return full.get().describe(rootPid);
    }

    @Override
    public List<ProcEntry> ownDescendants() {
        return full.get().ownDescendants();
    }

    @Override
    public String refusal(long pid) {
        return full.get().refusal(pid);
    }
}
