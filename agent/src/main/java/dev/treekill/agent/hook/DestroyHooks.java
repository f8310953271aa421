package dev.treekill.agent.hook;

import dev.treekill.agent.kill.Deadline;
import dev.treekill.agent.kill.Engine;
import dev.treekill.agent.kill.KillResult;
import dev.treekill.agent.kill.KillStats;
import dev.treekill.agent.kill.PendingKill;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.options.AgentOptions;
import dev.treekill.agent.options.Settings;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * What destroy() and destroyForcibly() do with the agent: on entry (before the JDK's method kills the
 * root, so the tree can still be found) freeze and SIGKILL the tree; on exit (outside the Process's
 * lock, which the JDK's reaper needs) wait for it.
 */
public final class DestroyHooks implements Hooks.Handler {
    private final Settings settings;
    private final Supplier<Engine> engine;
    private final KillStats stats;
    private final AtomicBoolean failedBefore = new AtomicBoolean();

    public DestroyHooks(Settings settings, Supplier<Engine> engine, KillStats stats) {
        this.settings = settings;
        this.engine = engine;
        this.stats = stats;
    }

    @Override
    public Object enter(Object target, int kind) {
        if (!settings.enabled()) {
            return null;
        }
        long pid;
        boolean alive;
        if (target instanceof Process) {
            pid = ((Process) target).pid();
            alive = ((Process) target).isAlive();
        } else {
            pid = ((ProcessHandle) target).pid();
            alive = ((ProcessHandle) target).isAlive();
        }
        if (!alive) {
            return null; // a dead root has no tree left to find
        }
        Engine e = engine.get();
        try {
            if (kind == Hooks.PROCESS_DESTROY_FORCIBLY || kind == Hooks.HANDLE_DESTROY_FORCIBLY) {
                return e.kill(pid, "destroyForcibly");
            }
            if (settings.options().destroy() == AgentOptions.DestroyMode.TREE) {
                int n = e.terminate(pid);
                if (Log.enabled(Log.Level.INFO)) {
                    Log.info("SIGTERM sent to " + n + " processes of the tree of pid " + pid);
                }
            }
        } catch (IllegalArgumentException refused) {
            // The engine refuses this JVM and its ancestors: those keep the JDK's own behaviour.
        }
        return null;
    }

    @Override
    public void exit(Object token) {
        long timeout = settings.timeoutMillis();
        KillResult result = engine.get().await((PendingKill) token, Deadline.of(timeout, settings.warnMillis()));
        if (result.timedOut && settings.options().onTimeout() == AgentOptions.OnTimeout.THROW) {
            throw new TreeSurvivorsException(result, timeout);
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
