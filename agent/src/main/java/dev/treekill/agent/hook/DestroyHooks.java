package dev.treekill.agent.hook;

import dev.treekill.agent.kill.Deadline;
import dev.treekill.agent.kill.Engine;
import dev.treekill.agent.kill.KillResult;
import dev.treekill.agent.kill.KillStats;
import dev.treekill.agent.kill.PendingKill;
import dev.treekill.agent.kill.StartedProcesses;
import dev.treekill.agent.kill.Target;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.options.AgentOptions;
import dev.treekill.agent.options.Settings;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * What destroy() and destroyForcibly() do with the agent: on entry (before the JDK's method kills the
 * root, so the tree can still be found) freeze and SIGKILL the tree and its escapees; on exit (outside
 * the Process's lock, which the JDK's reaper needs) wait for them. destroy() sends SIGTERM instead and,
 * with a grace period, SIGKILLs what is left after it, in the background: destroy() never blocks.
 */
public final class DestroyHooks implements Hooks.Handler {
    private final Settings settings;
    private final Supplier<Engine> engine;
    private final KillStats stats;
    private final StartedProcesses started;
    private final AtomicBoolean failedBefore = new AtomicBoolean();
    /** Roots whose grace is running: a destroy() loop must not start an escalation (and a thread) per call. */
    private final java.util.Set<Long> inGrace = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public DestroyHooks(Settings settings, Supplier<Engine> engine, KillStats stats, StartedProcesses started) {
        this.settings = settings;
        this.engine = engine;
        this.stats = stats;
        this.started = started;
    }

    /** What exit() waits for: the kill, and the Process whose exit status the JDK collects. */
    private static final class Token {
        final PendingKill kill;
        final Process process;

        Token(PendingKill kill, Process process) {
            this.kill = kill;
            this.process = process;
        }
    }

    @Override
    public Object enter(Object target, int kind) {
        if (!settings.enabled()) {
            return null;
        }
        Process process = target instanceof Process ? (Process) target : null;
        long pid = process != null ? process.pid() : ((ProcessHandle) target).pid();
        boolean alive = process != null ? process.isAlive() : ((ProcessHandle) target).isAlive();
        StartedProcesses.Started record = process != null ? started.of(process) : started.ofPid(pid);
        if (record != null) {
            record.markDestroyed(); // what is left of it later is not a leak: see LibraryBridge.liveMembers
        }
        if (!alive && record == null) {
            return null; // a dead root has no tree left to find, and no cookie to find escapees by
        }
        Target what = record != null ? Target.started(record, alive) : Target.tree(pid);
        try {
            if (kind == Hooks.PROCESS_DESTROY_FORCIBLY || kind == Hooks.HANDLE_DESTROY_FORCIBLY) {
                return new Token(engine.get().kill(what, "destroyForcibly"), process);
            }
            if (alive && settings.options().destroy() == AgentOptions.DestroyMode.TREE) {
                terminate(what);
            }
        } catch (IllegalArgumentException refused) {
            // The engine refuses this JVM and its ancestors: those keep the JDK's own behaviour.
        }
        return null;
    }

    private void terminate(Target what) {
        long grace = settings.options().graceMillis();
        if (grace > 0 && !inGrace.add(what.rootPid())) {
            return; // SIGTERM went to this tree already, and SIGKILL follows when its grace ends
        }
        Engine e = engine.get();
        PendingKill terminated;
        try {
            terminated = e.terminate(what, "destroy");
        } catch (RuntimeException | Error t) {
            inGrace.remove(what.rootPid());
            throw t;
        }
        if (Log.enabled(Log.Level.INFO)) {
            Log.info("SIGTERM sent to " + terminated.signalled() + " processes of the " + what);
        }
        if (grace <= 0) {
            e.release(terminated);
            return;
        }
        Thread escalation = new Thread(escalation(e, terminated, grace), "treekill-grace-" + what.rootPid());
        escalation.setDaemon(true);
        try {
            escalation.start();
        } catch (RuntimeException | Error t) { // out of threads: no SIGKILL will follow, the SIGTERM stands
            e.release(terminated);
            inGrace.remove(what.rootPid());
            throw t;
        }
    }

    /** After the grace, SIGKILL what is left; a class, not a lambda (see TreeKillAgent). */
    private Runnable escalation(Engine e, PendingKill terminated, long grace) {
        return new Runnable() {
            @Override
            public void run() {
                try {
                    Hooks.unhooked(new Supplier<KillResult>() {
                        @Override
                        public KillResult get() {
                            return e.escalate(terminated, grace, Deadline.of(settings.timeoutMillis(), settings.warnMillis()));
                        }
                    });
                } catch (Throwable t) {
                    failed(t);
                } finally {
                    inGrace.remove(terminated.rootPid());
                }
            }
        };
    }

    @Override
    public void exit(Object token) {
        Token t = (Token) token;
        long timeout = settings.timeoutMillis();
        KillResult result = engine.get().await(t.kill, Deadline.of(timeout, settings.warnMillis()));
        if (result.timedOut && settings.options().onTimeout() == AgentOptions.OnTimeout.THROW) {
            throw new TreeSurvivorsException(result, timeout);
        }
        if (t.process != null && !result.timedOut) {
            awaitJdkReaped(t.process, Math.max(1, timeout - (long) result.elapsedMillis));
        }
    }

    /**
     * The root is dead; the JDK's reaper collects its exit status a moment later. Waiting for that leaves no
     * zombie of the tree behind and makes exitValue() right after destroyForcibly() work.
     */
    private static void awaitJdkReaped(Process process, long timeoutMillis) {
        try {
            process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the caller's to handle; the kill itself is done
        }
    }

    @Override
    public void failed(Throwable t) {
        stats.error();
        if (failedBefore.compareAndSet(false, true)) {
            Log.warn("internal failure (the application is unaffected; later ones are logged at debug)", t);
        } else {
            Log.debug("internal failure: " + t);
        }
    }
}
