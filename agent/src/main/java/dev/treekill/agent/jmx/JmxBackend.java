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
import dev.treekill.agent.report.KillReports;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.mbeans.Durations;
import dev.treekill.mbeans.KillReport;
import dev.treekill.mbeans.ProcessRow;
import dev.treekill.mbeans.TreeKillerBackend;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The agent's implementation of the JMX contract ({@code TreeKillerMXBean}): checks what an operator sends as the
 * contract says (durations by {@link Durations}, before the engine is asked anything; pids by the engine's refusal
 * rule and the scope), then hands it to the engine. Every wait warns at WarnAfterMillis, whatever its timeout (a
 * warning at or after the timeout is never given: see {@link Deadline}).
 *
 * <p>No lambdas or method references: this class is loaded by premain (see PremainPathIT), where the first
 * invokedynamic costs the application milliseconds of start-up.
 */
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
    public void setReapTimeoutMillis(long reapTimeoutMillis) {
        settings.setTimeoutMillis(Durations.positive("reapTimeoutMillis", reapTimeoutMillis));
    }

    @Override
    public long getWarnAfterMillis() {
        return settings.warnMillis();
    }

    @Override
    public void setWarnAfterMillis(long warnAfterMillis) {
        settings.setWarnMillis(Durations.positive("warnAfterMillis", warnAfterMillis));
    }

    @Override
    public String getScope() {
        return settings.options().scope().name().toLowerCase(Locale.ROOT);
    }

    @Override
    public int getLiveDescendants() {
        return countDescendants(false);
    }

    @Override
    public int getZombieDescendants() {
        return countDescendants(true);
    }

    private int countDescendants(boolean zombies) {
        int n = 0;
        for (ProcEntry e : engine.get().ownDescendants()) {
            n += e.isZombie() == zombies ? 1 : 0;
        }
        return n;
    }

    @Override
    public int getKillsInProgress() {
        return stats.killsInProgress();
    }

    @Override
    public long getTreesKilled() {
        return stats.treesKilled();
    }

    @Override
    public long getProcessesKilled() {
        return stats.processesKilled();
    }

    @Override
    public long getReapTimeouts() {
        return stats.reapTimeouts();
    }

    @Override
    public long getErrors() {
        return stats.errors();
    }

    @Override
    public KillReport getLastKill() {
        KillResult last = stats.lastKill();
        return last == null ? null : KillReports.of(last);
    }

    @Override
    public KillReport killTree(long pid) {
        return killTree(pid, settings.timeoutMillis());
    }

    @Override
    public KillReport killTree(long pid, long timeoutMillis) {
        Deadline deadline = deadline(Durations.positive("timeoutMillis", timeoutMillis));
        return killAndAwait(checkTarget(pid), deadline);
    }

    @Override
    public KillReport terminateTree(long pid, long graceMillis) {
        long grace = Durations.notNegative("graceMillis", graceMillis);
        Deadline deadline = deadline(settings.timeoutMillis());
        Target target = checkTarget(pid);
        Engine e = engine.get();
        return KillReports.of(e.escalate(e.terminate(target, TRIGGER), grace, deadline));
    }

    /** Every child tree of this JVM and their escapees: all frozen and killed first, then waited for. */
    @Override
    public KillReport killDescendants(long timeoutMillis) {
        Deadline deadline = deadline(Durations.positive("timeoutMillis", timeoutMillis));
        return killAndAwait(Target.allDescendantsOf(self()), deadline);
    }

    private KillReport killAndAwait(Target target, Deadline deadline) {
        Engine e = engine.get();
        return KillReports.of(e.await(e.kill(target, TRIGGER), deadline));
    }

    @Override
    public ProcessRow[] describeTree(long pid) {
        checkTarget(pid);
        List<ProcEntry> tree = engine.get().describe(pid);
        ProcessRow[] rows = new ProcessRow[tree.size()];
        for (int i = 0; i < rows.length; i++) {
            ProcEntry p = tree.get(i);
            rows[i] = new ProcessRow(p.pid, p.ppid, String.valueOf(p.state), p.command);
        }
        return rows;
    }

    @Override
    public void resetCounters() {
        stats.reset();
    }

    @Override
    public void setTimeoutListener(Consumer<KillReport> listener) {
        stats.setTimeoutListener(listener == null ? null : new Consumer<KillResult>() {
            @Override
            public void accept(KillResult result) {
                listener.accept(KillReports.of(result));
            }
        });
    }

    /** {@code timeoutMillis} (checked) and the warn delay every JMX wait has: WarnAfterMillis as it is. */
    private Deadline deadline(long timeoutMillis) {
        return Deadline.of(timeoutMillis, settings.warnMillis());
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
        if (settings.options().scope() == AgentOptions.Scope.DESCENDANTS && !isOwnDescendant(e, root)) {
            throw new IllegalArgumentException("pid " + pid + " is not a descendant of this JVM (pid " + self()
                    + ") and scope=descendants; start the agent with scope=user to allow it");
        }
        return root.with(started.ofPid(pid));
    }

    private static boolean isOwnDescendant(Engine e, Target root) {
        for (ProcEntry descendant : e.ownDescendants()) {
            if (root.isRoot(descendant)) {
                return true;
            }
        }
        return false;
    }

    /** Not a field: ProcessHandle loads ProcessHandleImpl, which must not happen during premain. */
    private static long self() {
        return ProcessHandle.current().pid();
    }
}
