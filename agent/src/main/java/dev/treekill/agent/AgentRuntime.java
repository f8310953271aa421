package dev.treekill.agent;

import dev.treekill.agent.cold.ColdStartEngine;
import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.linux.TreeKiller;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.machine.Engines;
import dev.treekill.agent.options.Settings;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.NativeAccess;
import dev.treekill.agent.sys.Syscalls;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The agent's state in one JVM: settings, counters, and the engine, created on first need. */
public final class AgentRuntime implements Supplier<Engine> {
    /** Enough descriptors for pidfds of a 4000-process tree without growing the table mid-kill. */
    private static final int RESERVED_DESCRIPTORS = 4096;
    /** How long after the first process start JNA starts loading in the background. */
    private static final long WARM_UP_DELAY_MILLIS = 100;
    /** Enough calls for C1 to compile the read and parse methods (its threshold is about 200). */
    private static final int WARM_UP_READS = 300;
    /** Listing /proc costs more than a read: often enough to compile its parsing, no more. */
    private static final int WARM_UP_LISTING_EVERY = 10;

    /** How often adopted orphans are looked for: zombies hold nothing but a pid, so this need not be quick. */
    private static final long REAP_EVERY_MILLIS = 200;

    /**
     * Under dynamic attach, starts already inside unpatched JDK code are not seen: children that exist this
     * long after the attach are taken as the JDK's, and nothing is reaped before.
     */
    private static final long ATTACH_SETTLE_MILLIS = 5_000;

    private final Settings settings;
    private final KillStats stats = new KillStats();
    private final StartedProcesses started;
    /** When the agent was attached to a running JVM (nanoTime), or -1 when it came with -javaagent. */
    private final long attachedAt;
    /** PID 1, or a subreaper that prctl() confirmed. */
    private volatile boolean adoptsOrphans;
    private volatile boolean subreaper;
    /** The native (or portable) engine, once built. */
    private volatile Engine engine;
    /** What kills go to: the cold path until {@link #engine} is built, for the kills it can do. */
    private volatile Engine firstKills;

    public AgentRuntime(Settings settings, boolean attached) {
        this.settings = settings;
        this.attachedAt = attached ? System.nanoTime() : -1;
        this.adoptsOrphans = ProcSource.selfPidInProc() == 1;
        this.started = new StartedProcesses(ProcSource.system(), !attached);
    }

    public StartedProcesses started() {
        return started;
    }

    public Settings settings() {
        return settings;
    }

    public KillStats stats() {
        return stats;
    }

    /**
     * The engine kills go to, created on first need: it kills at once with what the JDK offers while the
     * native engine is still being built, where that keeps every guarantee (see ColdStartEngine).
     */
    @Override
    public Engine get() {
        Engine e = firstKills;
        if (e == null) {
            synchronized (this) {
                if (firstKills == null) {
                    firstKills = new ColdStartEngine(fullEngineSupplier(), new BooleanSupplier() {
                        @Override
                        public boolean getAsBoolean() {
                            return engine != null;
                        }
                    }, stats, started, settings.options().cookie() && !adoptsOrphans);
                }
                e = firstKills;
            }
        }
        return e;
    }

    /**
     * The native engine (or the portable one), never the cold path: for kills that the cold path never takes
     * anyway and that must have the engine built early, such as the exit kill, which cannot load JNA once the
     * JDK's deleteOnExit hook has run.
     */
    public Supplier<Engine> fullEngineSupplier() {
        return new Supplier<Engine>() {
            @Override
            public Engine get() {
                return fullEngine();
            }
        };
    }

    /** The native engine (or the portable one where it cannot work), built on first need: may wait for JNA. */
    private Engine fullEngine() {
        Engine e = engine;
        if (e == null) {
            synchronized (this) {
                if (engine == null) {
                    engine = Engines.forThisMachine(stats, started, subreaper, settings.options().cookie());
                }
                e = engine;
            }
        }
        return e;
    }

    /**
     * Loads JNA (40-70 ms) and grows the descriptor table on a daemon thread, so the first kill is fast;
     * where this JVM adopts orphans, the same thread then reaps them. Run when ProcessImpl is patched: a
     * JVM that starts no process never pays for it. A class, not a lambda, for start-up's sake (see
     * TreeKillAgent).
     */
    public Runnable backgroundTask() {
        return new Runnable() {
            @Override
            public void run() {
                Thread t = new Thread(adoptsOrphans ? "treekill-reaper" : "treekill-warmup") {
                    @Override
                    public void run() {
                        try {
                            // A JVM that starts a child and exits at once (a build step, a script) ends first: its
                            // start-up does not share the 2 cores with JNA. Until then kills take the cold path.
                            Thread.sleep(WARM_UP_DELAY_MILLIS);
                        } catch (InterruptedException exiting) {
                            return;
                        }
                        warmUpNow();
                        if (attachedAt >= 0) {
                            noteExistingChildren();
                        }
                        if (adoptsOrphans) {
                            reapOrphansForever();
                        }
                    }
                };
                t.setDaemon(true);
                t.start();
            }
        };
    }

    /** Reaps what this JVM adopted, until the JVM exits (a daemon thread). */
    private void reapOrphansForever() {
        Engine e = fullEngine();
        while (true) {
            try {
                Thread.sleep(REAP_EVERY_MILLIS);
                int reaped = e.reapOrphans();
                if (reaped > 0 && Log.enabled(Log.Level.DEBUG)) {
                    Log.debug("reaped " + reaped + " adopted orphans");
                }
            } catch (InterruptedException stop) {
                return;
            } catch (Throwable t) {
                stats.error();
                Log.debug("reaping failed: " + t);
            }
        }
    }

    /**
     * prctl(PR_SET_CHILD_SUBREAPER) for {@code subreaper=true}, before any process starts; a JVM that cannot is
     * told so, and goes on without adopting anything.
     */
    public void becomeSubreaper() {
        try {
            if (!Engines.linuxEngineWorks()) {
                Log.warn("subreaper=true needs the Linux engine (it reaps what it adopts); not a subreaper");
                return;
            }
            NativeAccess.syscalls().becomeSubreaper();
            subreaper = true;
            adoptsOrphans = true;
            Log.info("this JVM is now a child subreaper: orphans of its descendants are re-parented to it");
        } catch (ErrnoException | RuntimeException e) {
            Log.warn("subreaper=true: this JVM could not become a subreaper (" + e.getMessage()
                    + "); orphans go to PID 1 as before");
        }
    }

    /**
     * Under attach: once starts in unpatched code must have ended, the children this JVM has are taken as the
     * JDK's (it may be waiting for any of them), and starts are tracked from then on.
     */
    private void noteExistingChildren() {
        long left = ATTACH_SETTLE_MILLIS - (System.nanoTime() - attachedAt) / 1_000_000;
        try {
            if (left > 0) {
                Thread.sleep(left);
            }
        } catch (InterruptedException e) {
            return; // the JVM is going down; nothing is reaped without tracking
        }
        int self = ProcSource.selfPidInProc();
        try {
            if (self > 0) {
                started.untracked(ProcSource.system(), ProcTable.childPids(ProcSource.system(), self));
            }
        } catch (RuntimeException e) {
            stats.error(); // not tracking, so nothing is reaped: safe, only less useful
            Log.debug("cannot note this JVM's children: " + e);
        }
    }

    private void warmUpNow() {
        try {
            if (NativeAccess.isLinux()) {
                // First, quietly: a JVM exiting while JNA loads fails that load, and must not print a warning
                // about it. A kill that later finds the native calls missing says so itself.
                NativeAccess.syscalls();
            }
            if (fullEngine() instanceof TreeKiller) {
                Syscalls sys = NativeAccess.syscalls();
                sys.reserveDescriptors(RESERVED_DESCRIPTORS);
                // Run the kill path's reading side (never its signalling side) until the JIT has compiled it:
                // a kill reads /proc once or twice per process, often before anything else ran it; with
                // cookies it lists /proc and reads uids and environments too.
                ProcSource proc = ProcSource.system();
                int self = sys.selfPid();
                for (int i = 0; i < WARM_UP_READS; i++) {
                    int fd = sys.pidfdOpen(self);
                    sys.pollReadable(fd, 0);
                    sys.closeFd(fd);
                    ProcTable.read(proc, self);
                    proc.children(self, i % 2 == 0);
                    proc.uid(self);
                    Cookies.in(proc.environ(self)); // what the escapee search runs
                    if (i % WARM_UP_LISTING_EVERY == 0) {
                        proc.pids();
                    }
                }
            }
        } catch (Throwable t) {
            // The JVM may be exiting under us; a real kill will load the engine again and report.
            Log.debug("warm-up failed: " + t);
        }
    }
}
