package dev.treekill.agent.jmx;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.options.AgentOptions;
import dev.treekill.agent.options.Settings;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.mbeans.KillReport;
import dev.treekill.mbeans.ProcessRow;
import dev.treekill.mbeans.TreeKillerBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The MBean's view of the agent: validates what an operator asks, then hands it to the engine. */
public final class JmxBackend implements TreeKillerBackend {
    private static final Trigger TRIGGER = Trigger.JMX;

    private final Settings settings;
    private final KillStats stats;
    private final Supplier<Engine> engine;
    private final StartedProcesses started;

    public JmxBackend(Settings settings, KillStats stats, Supplier<Engine> engine, StartedProcesses started) {
        this.settings = settings;
        this.stats = stats;
        this.engine = engine;
        this.started = started;
    }

    @Override
    public boolean isEnabled() {
        return settings.enabled();
    }

    @Override
    public void setEnabled(boolean enabled) {
        settings.setEnabled(enabled);
    }

    @Override
    public long getReapTimeoutMillis() {
        return settings.timeoutMillis();
    }

    @Override
    public void setReapTimeoutMillis(long millis) {
        settings.setTimeoutMillis(millis);
    }

    @Override
    public long getWarnAfterMillis() {
        return settings.warnMillis();
    }

    @Override
    public void setWarnAfterMillis(long millis) {
        settings.setWarnMillis(millis);
    }

    @Override
    public String getScope() {
        return settings.options().scope().name().toLowerCase(Locale.ROOT);
    }

    @Override
    public int liveDescendants() {
        return (int) engine.get().ownDescendants().stream().filter(e -> !e.isZombie()).count();
    }

    @Override
    public int zombieDescendants() {
        return (int) engine.get().ownDescendants().stream().filter(ProcEntry::isZombie).count();
    }

    @Override
    public int killsInProgress() {
        return stats.killsInProgress();
    }

    @Override
    public long treesKilled() {
        return stats.treesKilled();
    }

    @Override
    public long processesKilled() {
        return stats.processesKilled();
    }

    @Override
    public long reapTimeouts() {
        return stats.reapTimeouts();
    }

    @Override
    public long errors() {
        return stats.errors();
    }

    @Override
    public KillReport lastKill() {
        KillResult last = stats.lastKill();
        return last == null ? null : report(last);
    }

    @Override
    public KillReport killTree(long pid, long timeoutMillis) {
        Target target = checkTarget(pid);
        Deadline deadline = deadline(timeoutMillis);
        Engine e = engine.get();
        return report(e.await(e.kill(target, TRIGGER), deadline));
    }

    @Override
    public KillReport terminateTree(long pid, long graceMillis, long timeoutMillis) {
        Target target = checkTarget(pid);
        if (graceMillis < 0) {
            throw new IllegalArgumentException("graceMillis must not be negative, was " + graceMillis);
        }
        Deadline deadline = deadline(timeoutMillis);
        Engine e = engine.get();
        return report(e.escalate(e.terminate(target, TRIGGER), graceMillis, deadline));
    }

    /** Every child tree of this JVM and their escapees: all frozen and killed first, then waited for. */
    @Override
    public KillReport killDescendants(long timeoutMillis) {
        Deadline deadline = deadline(timeoutMillis);
        Engine e = engine.get();
        return report(e.await(e.kill(Target.allDescendantsOf(self()), TRIGGER), deadline));
    }

    @Override
    public ProcessRow[] describeTree(long pid) {
        checkTarget(pid);
        return engine.get().describe(pid).stream()
                .map(p -> new ProcessRow(p.pid, p.ppid, String.valueOf(p.state), p.command))
                .toArray(ProcessRow[]::new);
    }

    @Override
    public void resetCounters() {
        stats.reset();
    }

    @Override
    public void setTimeoutListener(Consumer<KillReport> listener) {
        stats.setTimeoutListener(listener == null ? null : result -> listener.accept(report(result)));
    }

    private Deadline deadline(long timeoutMillis) {
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("timeoutMillis must be more than zero, was " + timeoutMillis);
        }
        return Deadline.of(timeoutMillis, Math.min(settings.warnMillis(), timeoutMillis));
    }

    /**
     * The process at {@code pid} now, pinned by its start time before it is checked, so that what was checked
     * is what gets signalled even if the pid changes hands meanwhile; with its escapees when the JDK started it
     * here. Refuses, with the exact reason, any pid an operator must not kill from here.
     */
    private Target checkTarget(long pid) {
        Engine e = engine.get();
        e.requireAllowed(pid);
        Target root = e.identify(pid);
        if (root == null) {
            throw new IllegalArgumentException("pid " + pid + " does not exist");
        }
        if (settings.options().scope() == AgentOptions.Scope.DESCENDANTS
                && e.ownDescendants().stream().noneMatch(root::isRoot)) {
            throw new IllegalArgumentException("pid " + pid + " is not a descendant of this JVM (pid " + self()
                    + ") and scope=descendants; start the agent with scope=user to allow it");
        }
        return root.with(started.ofPid(pid));
    }

    /** Not a field: ProcessHandle loads ProcessHandleImpl, which must not happen during premain. */
    private static long self() {
        return ProcessHandle.current().pid();
    }

    /** The engine's result as the MBean (and the CLI) report it. */
    public static KillReport report(KillResult r) {
        return new KillReport(r.rootPid, r.signalled, r.exited, r.survivors, r.elapsedMillis, r.timedOut, r.trigger.wireName());
    }
}
