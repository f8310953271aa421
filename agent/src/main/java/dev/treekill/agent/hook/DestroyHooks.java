package dev.treekill.agent.hook;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Targets;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.options.AgentOptions;
import dev.treekill.agent.options.Settings;
import dev.treekill.agent.starts.Started;
import dev.treekill.agent.starts.StartedProcesses;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What destroy() and destroyForcibly() do with the agent: on entry (before the JDK's method kills the
 * root, so the tree can still be found) freeze and SIGKILL the tree and its escapees; on exit (outside
 * the Process's lock, which the JDK's reaper needs) wait for them. destroy() sends SIGTERM instead and,
 * with a grace period, SIGKILLs what is left after it, in the background: destroy() never blocks. With
 * destroy=mixed the live root's SIGTERM is the JDK's own, and the agent only takes the tree for that SIGKILL.
 * Nothing is signalled before the call's target is identified (pid and start time): a stale one is no target.
 */
public final class DestroyHooks implements Hooks.Handler {
    private final Settings settings;
    private final Supplier<Engine> engine;
    private final KillStats stats;
    private final StartedProcesses started;
    /** Guarded by this. Not an AtomicBoolean: its VarHandle would cost premain about a millisecond. */
    private boolean failedBefore;
    /**
     * Roots whose grace is running, by pid and start time (a pid handed out again is another root): a destroy()
     * loop must not start an escalation (and a thread) per call.
     */
    private final java.util.Set<String> inGrace = java.util.concurrent.ConcurrentHashMap.newKeySet();

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
        if (!settings.enabled() || started.listeners().agentsOwnOnThisThread()) {
            return null; // off, or the agent destroys a process of its own: the JDK's method alone
        }
        boolean forcibly = kind == Hooks.PROCESS_DESTROY_FORCIBLY || kind == Hooks.HANDLE_DESTROY_FORCIBLY;
        AgentOptions.DestroyMode mode = settings.options().destroy();
        Process process = target instanceof Process ? (Process) target : null;
        if (!forcibly && mode == AgentOptions.DestroyMode.CHILD) {
            markDestroyed(process == null ? null : started.of(process));
            return null; // the JDK's own SIGTERM to the root, nothing more
        }
        Target what = identify(process, target);
        if (what == null) {
            return null;
        }
        markDestroyed(what.record());
        try {
            if (forcibly) {
                return new Token(engine.get().kill(what, Trigger.DESTROY_FORCIBLY), process);
            }
            terminate(what, mode);
        } catch (IllegalArgumentException refused) {
            // The engine refuses this JVM and its ancestors: those keep the JDK's own behaviour.
        }
        return null;
    }

    /** What is left of a destroyed start later was meant to go, and is not a leak: see LibraryBridge.liveMembers. */
    private static void markDestroyed(Started record) {
        if (record != null) {
            record.markDestroyed();
        }
    }

    /**
     * Who the call names, established before anything is signalled: the root as the JDK identifies it (pid and
     * start time; a Process through its own handle), with its record when the JDK started it. Null when there
     * is nothing to do: a stale ProcessHandle (its process gone, its pid perhaps someone else's now), or a
     * finished Process that left no cookie to find escapees by. A finished Process with a record still has its
     * escapees.
     */
    private Target identify(Process process, Object target) {
        Engine e = engine.get();
        return process != null ? Targets.of(e, started, process) : Targets.of(e, started, (ProcessHandle) target);
    }

    /**
     * destroy(): {@code tree} sends SIGTERM to every process of the target (escapees included); {@code mixed}
     * leaves a live root's SIGTERM to the JDK's own destroy() and only takes the tree, so that SIGKILL reaches
     * what is left of it, re-parented or not, when the grace ends. A finished root has nobody left to pass a
     * SIGTERM on: with either mode its escapees get it. With a grace, SIGKILL follows in the background.
     */
    private void terminate(Target what, AgentOptions.DestroyMode mode) {
        long grace = settings.options().graceMillis();
        String key = what.rootPid() + "@" + what.startTicks();
        if (grace > 0 && !inGrace.add(key)) {
            return; // SIGTERM went to this tree already, and SIGKILL follows when its grace ends
        }
        Engine e = engine.get();
        boolean rootOnly = mode == AgentOptions.DestroyMode.MIXED && what.rootAlive();
        PendingKill terminated;
        try {
            terminated = rootOnly ? e.snapshot(what, Trigger.DESTROY) : e.terminate(what, Trigger.DESTROY);
        } catch (RuntimeException | Error t) {
            inGrace.remove(key);
            throw t;
        }
        if (Log.enabled(Log.Level.INFO)) {
            Log.info((rootOnly ? "SIGTERM left to the root; " + terminated.size() + " processes taken"
                    : "SIGTERM sent to " + terminated.signalled() + " processes") + " of the " + what);
        }
        if (grace <= 0 || terminated.size() == 0) {
            e.release(terminated);
            inGrace.remove(key);
            return;
        }
        Thread escalation = new Thread(escalation(e, terminated, grace, key), "treekill-grace-" + what.rootPid());
        escalation.setDaemon(true);
        try {
            escalation.start();
        } catch (RuntimeException | Error t) { // out of threads: no SIGKILL will follow, the SIGTERM stands
            e.release(terminated);
            inGrace.remove(key);
            throw t;
        }
    }

    /** After the grace, SIGKILL what is left; a class, not a lambda (see TreeKillAgent). */
    private Runnable escalation(Engine e, PendingKill terminated, long grace, String key) {
        return new Runnable() {
            @Override
            public void run() {
                try {
                    e.escalate(terminated, grace, Deadline.of(settings.timeoutMillis(), settings.warnMillis()));
                } catch (Throwable t) {
                    failed(t);
                } finally {
                    inGrace.remove(key);
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
        if (firstFailure()) {
            Log.warn("internal failure (the application is unaffected; later ones are logged at debug)", t);
        } else {
            Log.debug("internal failure: " + t);
        }
    }

    private synchronized boolean firstFailure() {
        boolean first = !failedBefore;
        failedBefore = true;
        return first;
    }
}
