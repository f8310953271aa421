package dev.treekill.agent.exit;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.guard.JvmDeathGuard;
import dev.treekill.agent.hook.StartHooks;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.options.Settings;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.starts.Started;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.NativeAccess;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code exitKill=true}: nothing the JVM started outlives it. Two parts. At a normal exit (end of main,
 * System.exit, SIGTERM/SIGINT/SIGHUP) a late shutdown hook, run once every application hook has finished,
 * kills every tree and escapee that was running when shutdown began, never what the application's own
 * shutdown work started after that. For the deaths that run no hook (SIGKILL, the OOM killer, a crash) a
 * {@link JvmDeathGuard} process, on its way before the first process start forks and told the root of every
 * start, kills what is left once the JVM is gone; after a clean exit kill it is told to stand down.
 */
public final class ExitKill implements Runnable, StartHooks.Observer {
    /** How long the exit kill waits for starts begun before shutdown to return their Process. */
    private static final long START_IN_FLIGHT_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Supplier<Engine> engine;
    private final Settings settings;
    private final StartedProcesses started;
    /** Under dynamic attach the JVM may have children of before: the exit kill always looks. */
    private final boolean attached;
    /** Makes the guard (JvmDeathGuard#forThisJvm; tests: a scripted one). */
    private final Supplier<JvmDeathGuard> guards;
    /** Serializes the making of the guard, outside this lock: a spared start never waits for it. */
    private final Object making = new Object();
    /**
     * Made at the first process start, before it forks (see {@link #beforeStart}): a JVM that starts no process
     * pays nothing for it at premain (its classes, finding the agent's jar). Null until then; set under this.
     */
    private volatile JvmDeathGuard guard;
    /**
     * The cookies of spared starts told while no guard was made (under this): a start begun before shutdown may be
     * making the first guard right now, and that guard must spare them too. Handed to it, then null.
     */
    private List<String> sparedBeforeGuard = new ArrayList<>();
    /** The exit kill stood the guard down (under this): a guard made later is made stood down, and never starts. */
    private boolean stoodDown;
    private final ShutdownProbe shutdown = new ShutdownProbe();

    /** {@code guards}: makes the guard, at the first start. */
    ExitKill(Supplier<Engine> engine, Settings settings, StartedProcesses started, boolean attached,
            Supplier<JvmDeathGuard> guards) {
        this.engine = engine;
        this.settings = settings;
        this.started = started;
        this.attached = attached;
        this.guards = guards;
    }

    /**
     * Registers the exit kill after the application's shutdown hooks ({@code exporter} exports a package of
     * java.base to the agent: see {@link LateShutdownHook}); on a JDK where that fails, as an ordinary
     * shutdown hook, which runs beside the application's.
     */
    public static ExitKill install(Supplier<Engine> engine, Settings settings, StartedProcesses started,
            boolean attached, Consumer<String> exporter) {
        ExitKill exit = new ExitKill(engine, settings, started, attached, new Supplier<JvmDeathGuard>() {
            @Override
            public JvmDeathGuard get() {
                return JvmDeathGuard.forThisJvm(started, settings, exporter);
            }
        });
        LateShutdownHook.claimEarlierSlots();
        if (LateShutdownHook.register(exit, exporter) < 0) {
            Log.warn("exitKill: cannot run after the application's shutdown hooks on this JDK; running beside them");
            Runtime.getRuntime().addShutdownHook(new Thread(exit, "treekill-exit"));
        } else {
            Runtime.getRuntime().addShutdownHook(new Thread(exit.prepare(), "treekill-exit-prepare"));
        }
        return exit;
    }

    /**
     * Runs beside the application's hooks: builds the engine while it still can. Loading JNA calls
     * File.deleteOnExit, which fails once the JDK's deleteOnExit slot has run, as it has when the late hook runs.
     */
    private Runnable prepare() {
        return new Runnable() {
            @Override
            public void run() {
                try {
                    if (started.anyStartSeen() || attached) {
                        // The native calls themselves, not just an engine: the cold-start engine answers without
                        // them, and a load still under way (the warm-up's) when the deleteOnExit slot runs fails
                        // for good. Waited for here, beside the application's hooks.
                        NativeAccess.syscalls();
                        engine.get();
                    }
                } catch (Throwable t) {
                    Log.debug("exit kill: cannot prepare the engine: " + t);
                }
            }
        };
    }

    /** Whether shutdown has begun: a start from now on is the shutdown's own work, spared by the exit kill. */
    @Override
    public boolean sparesStartsNow() {
        return shutdown.begun();
    }

    /**
     * Before a spared start forks: the guard spares its cookie too, should the JVM die before the exit kill stands
     * the guard down (SIGKILLed by a supervisor while a hook waits for its cleanup, say). With no guard made yet, the
     * cookie is kept for the one a start begun before shutdown may be making now (never waiting for it).
     */
    @Override
    public void startSpared(String cookie) {
        JvmDeathGuard g = guard;
        if (g == null) {
            synchronized (this) {
                g = guard;
                if (g == null) {
                    if (sparedBeforeGuard.size() < JvmDeathGuard.SPARED_CAPACITY) {
                        sparedBeforeGuard.add(cookie);
                    } else {
                        Log.debug("exit kill: spared start " + cookie + " not kept for a guard not made yet");
                    }
                    return;
                }
            }
        }
        g.startSpared(cookie);
    }

    /**
     * Before every process start forks: the guard must be on its way (started, or started again if it died), so
     * that it holds its pipe before the start's child exists. Not once shutdown has begun: the exit kill is about
     * to run, and then the guard stands down.
     */
    @Override
    public void beforeStart() {
        if (!shutdown.begun()) {
            guard().ensureRunning();
        }
    }

    /**
     * The guard, made now if this is the first start; it is told the spared starts that came before it (their
     * cookies handed over under this lock, where {@link #startSpared} looks, so none falls between).
     */
    private JvmDeathGuard guard() {
        JvmDeathGuard g = guard;
        if (g != null) {
            return g;
        }
        synchronized (making) {
            if (guard == null) {
                JvmDeathGuard made = guards.get();
                synchronized (this) {
                    if (stoodDown) {
                        made.standDown(); // a start that began before shutdown, made it only after the exit kill
                    }
                    for (String cookie : sparedBeforeGuard) {
                        made.startSpared(cookie); // remembered only: the guard is not launched yet
                    }
                    sparedBeforeGuard = null;
                    guard = made;
                }
            }
            return guard;
        }
    }

    /**
     * After every process start: the guard is told the new root (pid and start time), unless the process opted
     * out (cookies on, and its ProcessBuilder set another TREEKILL_COOKIE), is gone already (or its pid was taken
     * before its start time could be read), or was marked spared (begun once shutdown had begun: the shutdown's own
     * work, which may outlive the JVM; a guard told of it would kill it if the JVM died before standing it down).
     */
    @Override
    public void afterStart(Process process) {
        JvmDeathGuard g = guard;
        Started s = started.of(process);
        boolean optedOut = settings.options().cookie() && (s == null || s.cookie() == null);
        if (g != null && s != null && !optedOut && !s.spared() && s.startTicks() != ProcEntry.UNKNOWN_START) {
            g.rootStarted(s.pid(), s.startTicks());
        }
    }

    /** Stands the guard down: the one made already, or the one a start still on its way would make. */
    private void standDownGuard() {
        JvmDeathGuard g;
        synchronized (this) {
            stoodDown = true;
            g = guard;
        }
        if (g != null) {
            g.standDown();
        }
    }

    @Override
    public void run() {
        try {
            if (!started.anyStartSeen() && !attached) {
                return; // nothing was started: nothing to kill, no guard to stand down
            }
            if (!started.awaitUnsparedStarts(System.nanoTime() + START_IN_FLIGHT_PATIENCE_NANOS)) {
                Log.debug("exit kill: a start begun before shutdown is still under way; it is not waited for longer");
            }
            Engine e = engine.get();
            PendingKill kill = e.kill(Target.allDescendantsButSpared(ProcessHandle.current().pid()), Trigger.EXIT);
            KillResult result = e.await(kill, Deadline.of(settings.timeoutMillis(), settings.warnMillis()));
            if (!result.timedOut) {
                standDownGuard(); // what is left was started by the shutdown itself, and may outlive the JVM
            }
        } catch (Throwable t) {
            Log.warn("exitKill failed; the guard, if any, takes over once the JVM is gone", t);
        }
    }
}
