package dev.treekill.agent;

import dev.treekill.agent.cold.ColdStartEngine;
import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.hook.HooksOffEngine;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.machine.Engines;
import dev.treekill.agent.options.Settings;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.reaping.ReapLoop;
import dev.treekill.agent.starts.AttachSettle;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.NativeAccess;
import dev.treekill.agent.warmup.KillPathClasses;
import dev.treekill.agent.warmup.WarmUp;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The agent's state in one JVM, wired: settings, counters, the start registry, whether it adopts orphans (decided
 * here, once), and the engine, created on first need and handed out with the hooks off ({@link HooksOffEngine}).
 * No lambdas: built in premain (see TreeKillAgent).
 */
public final class AgentRuntime implements Supplier<Engine> {
    /** How long after the first process start JNA starts loading in the background. */
    private static final long WARM_UP_DELAY_MILLIS = 100;
    /** How long after the first process start the cold path's scans are linked (before that, every tree is walked). */
    private static final long SCANS_DELAY_MILLIS = 50;
    /** How long each background step lets a cold kill under way go first (see ColdStartEngine.awaitColdKills). */
    private static final long MAX_WARM_UP_HOLD_MILLIS = 1000;

    private final Settings settings;
    private final KillStats stats = new KillStats();
    private final StartedProcesses started;
    private final CookieMode cookies;
    /** When the agent was attached to a running JVM (nanoTime); meaningless unless {@link #attached}. */
    private final long attachedAtNanos;
    private final boolean attached;
    /** Decided once before this runtime exists ({@link Adoption#forThisJvm}, after {@link #becomeSubreaper}). */
    private final Adoption adoption;
    /** The native (or portable) engine, once built, with the hooks off. */
    private volatile Engine engine;
    /** What kills go to: the cold path until {@link #engine} is built, for the kills it can do. */
    private volatile Engine firstKills;
    /** The router inside {@link #firstKills}, kept for {@link #prepareFirstKill}. */
    private volatile ColdStartEngine coldStart;

    public AgentRuntime(Settings settings, boolean attached, Adoption adoption) {
        this.settings = settings;
        this.attached = attached;
        this.attachedAtNanos = System.nanoTime();
        this.adoption = adoption;
        this.cookies = CookieMode.of(settings.options().cookie());
        this.started = new StartedProcesses(ProcSource.system(),
                attached ? StartedProcesses.Tracking.ONCE_CHILDREN_NOTED : StartedProcesses.Tracking.FROM_FIRST_START);
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

    /** Whether orphans come to this JVM, and as what. */
    public Adoption adoption() {
        return adoption;
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
                    coldStart = new ColdStartEngine(fullEngineSupplier(), new BooleanSupplier() {
                        @Override
                        public boolean getAsBoolean() {
                            return engine != null;
                        }
                    }, stats, started, adoption, cookies);
                    firstKills = new HooksOffEngine(coldStart);
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
                    engine = new HooksOffEngine(Engines.forThisMachine(stats, started, adoption, cookies));
                }
                e = engine;
            }
        }
        return e;
    }

    /**
     * The agent's one background thread, started when ProcessImpl is patched (a JVM that starts no process never
     * pays for it): a little later, the warm-up; under attach, the settling of the children of before; where this
     * JVM adopts orphans, reaping them until it exits.
     */
    public Runnable backgroundTask() {
        return new Runnable() {
            @Override
            public void run() {
                Thread t = new Thread(adoption.adopts() ? "treekill-reaper" : "treekill-warmup") {
                    @Override
                    public void run() {
                        prepareFirstKill();
                        try {
                            // A JVM that starts a child and exits at once (a build step, a script) ends first: its
                            // start-up does not share the 2 cores with the scans' linking or JNA. Until then kills
                            // take the cold path; a tree large enough for scans takes longer than this to start.
                            // Each step lets a cold kill under way go first: on a small machine it would compete.
                            Thread.sleep(SCANS_DELAY_MILLIS);
                            awaitColdKills();
                            linkColdScans();
                            Thread.sleep(WARM_UP_DELAY_MILLIS - SCANS_DELAY_MILLIS);
                            awaitColdKills();
                        } catch (InterruptedException exiting) {
                            return;
                        }
                        new WarmUp(fullEngineSupplier()).run();
                        if (attached) {
                            new AttachSettle(started, attachedAtNanos, countError()).run();
                        }
                        if (adoption.adopts()) {
                            new ReapLoop(reapPass(), countError()).run();
                        }
                    }
                };
                t.setDaemon(true);
                t.start();
            }
        };
    }

    /**
     * Builds the engine kills go to and the cold path behind it (never the native engine: JNA waits for the warm-up's
     * delay), and loads the rest of the kill path's classes: a watchdog may kill the moment its first tree is up, a
     * few ms after this thread started, and that kill should not pay for them (about 2 ms together). Read-only.
     */
    private void prepareFirstKill() {
        try {
            get();
            coldStart.prepare();
            KillPathClasses.load();
        } catch (RuntimeException | Error e) {
            Log.debug("preparing the first kill failed: " + e); // the kill builds what it needs itself
        }
    }

    private void awaitColdKills() throws InterruptedException {
        if (coldStart != null) {
            coldStart.awaitColdKills(MAX_WARM_UP_HOLD_MILLIS);
        }
    }

    /**
     * Links the cold path's scans of /proc for large trees (a few ms in a fresh JVM; opens java.lang to the agent) and
     * has the JIT compile the read their kill makes per member.
     */
    private void linkColdScans() {
        try {
            if (coldStart != null) {
                coldStart.prepareLargeKills();
            }
        } catch (RuntimeException | Error e) {
            Log.debug("linking the cold path's scans failed: " + e); // large trees are walked
        }
    }

    private IntSupplier reapPass() {
        return new IntSupplier() {
            @Override
            public int getAsInt() {
                return fullEngine().reapOrphans();
            }
        };
    }

    private Runnable countError() {
        return new Runnable() {
            @Override
            public void run() {
                stats.error();
            }
        };
    }

    /**
     * prctl(PR_SET_CHILD_SUBREAPER) for {@code subreaper=true}, before any process starts: true if the kernel took
     * it. A JVM that cannot is told so, and goes on without adopting anything.
     */
    public static boolean becomeSubreaper() {
        try {
            if (!Engines.linuxEngineWorks()) {
                Log.warn("subreaper=true needs the Linux engine (it reaps what it adopts); not a subreaper");
                return false;
            }
            NativeAccess.syscalls().becomeSubreaper();
            Log.info("this JVM is now a child subreaper: orphans of its descendants are re-parented to it");
            return true;
        } catch (ErrnoException | RuntimeException e) {
            Log.warn("subreaper=true: this JVM could not become a subreaper (" + e.getMessage()
                    + "); orphans go to PID 1 as before");
            return false;
        }
    }
}
