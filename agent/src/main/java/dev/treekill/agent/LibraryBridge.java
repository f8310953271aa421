package dev.treekill.agent;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Targets;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.hook.Hooks;
import dev.treekill.agent.linux.Escapees;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.report.KillReports;
import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.Started;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The agent's face to treekill-library and treekill-junit, which live in the application's class loader
 * while the agent lives in the boot loader: they find this class with {@code Class.forName(name, true,
 * null)} and call its static methods reflectively. Only JDK types cross, so no class of ours exists twice
 * and no second engine is ever built. Every kill goes through the agent's one engine. This class's name and
 * its public methods are a contract with treekill-library (dev.treekill.internal.Agent): moving or changing
 * them means changing that class and {@link #VERSION} too. No lambdas or method references: premain loads this
 * class (see PremainPathIT), where the first invokedynamic costs the application milliseconds of start-up.
 */
public final class LibraryBridge {
    /** Bumped when a method's meaning changes; a library checks it before the first call. */
    public static final int VERSION = 1;

    private static volatile AgentRuntime runtime;
    /** The listeners as given, and the guarded ones the start registry calls. */
    private static final Map<Consumer<Process>, Consumer<Process>> LISTENERS = new ConcurrentHashMap<>();

    private LibraryBridge() {
    }

    /** Called once by the agent when it is active. */
    static void bind(AgentRuntime active) {
        runtime = active;
    }

    /** Whether the agent is active in this JVM (its hooks installed). */
    public static boolean active() {
        return runtime != null && Hooks.installed();
    }

    /**
     * {@code listener} hears of every process started from now on, on the thread that started it, right after
     * the start. A listener that throws is logged at debug and never reaches the starting code.
     */
    public static void addStartListener(Consumer<Process> listener) {
        Consumer<Process> guarded = new Consumer<Process>() {
            @Override
            public void accept(Process process) {
                try {
                    listener.accept(process);
                } catch (Throwable t) {
                    Log.debug("a start listener failed: " + t);
                }
            }
        };
        if (LISTENERS.putIfAbsent(listener, guarded) == null) {
            runtime().started().listeners().add(guarded);
        }
    }

    public static void removeStartListener(Consumer<Process> listener) {
        Consumer<Process> guarded = LISTENERS.remove(listener);
        if (guarded != null) {
            runtime().started().listeners().remove(guarded);
        }
    }

    /**
     * For each of {@code processes} (processes the JDK started here), the live (not zombie) processes left of
     * it: its tree while its root is the JDK's unreaped child, root first, then the processes of this user that
     * still carry its cookie (started after it). Empty for a process the agent did not see start. One pass
     * over /proc for all of them.
     */
    public static long[][] liveMembers(Process[] processes) {
        AgentRuntime r = runtime();
        List<Set<Long>> live = new ArrayList<>();
        Map<String, Set<Long>> byCookie = new HashMap<>();
        long notBefore = Long.MAX_VALUE;
        for (Process process : processes) {
            Set<Long> members = new LinkedHashSet<>();
            live.add(members);
            Started s = r.started().of(process);
            if (s == null) {
                continue;
            }
            if (r.started().ofPid(s.pid()) == s) {
                for (ProcEntry e : r.get().describe(s.pid())) {
                    if (!e.isZombie()) {
                        members.add((long) e.pid);
                    }
                }
            }
            if (s.cookie() != null) {
                byCookie.put(s.cookie(), members);
                notBefore = Math.min(notBefore, s.startTicks() == ProcEntry.UNKNOWN_START ? 0 : s.startTicks());
            }
        }
        int self = ProcSource.selfPidInProc();
        if (!byCookie.isEmpty() && self > 0) { // without /proc there are no escapees to find
            new Escapees(ProcSource.system(), self, r.started(), r.adoption(), CookieMode.ON)
                    .addCookieCarriers(byCookie, notBefore);
        }
        long[][] out = new long[live.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = toArray(live.get(i));
        }
        return out;
    }

    /** Not a stream: this class is loaded by premain, where no invokedynamic may be (see PremainPathIT). */
    private static long[] toArray(Set<Long> pids) {
        long[] out = new long[pids.size()];
        int i = 0;
        for (long pid : pids) {
            out[i++] = pid;
        }
        return out;
    }

    /** Whether destroy() or destroyForcibly() was called on {@code process} (then what is left of it was meant to go). */
    public static boolean destroyed(Process process) {
        Started s = runtime().started().of(process);
        return s != null && s.destroyed();
    }

    /**
     * Kills what is left of {@code process} (its tree if its root is alive, and its escapees) and waits up to
     * {@code timeoutMillis}, zombie-aware, warning at the agent's warn delay as every kill of the agent does.
     * Returns the report as {@code KillReport.toItems()} (the MBean's item names, JDK types only); a Process with
     * nothing left gives an empty report. {@code trigger} is a {@code KillReport.TRIGGER_*} name.
     */
    public static Map<String, Object> killStarted(Process process, long timeoutMillis, String trigger) {
        AgentRuntime r = runtime();
        Trigger why = Trigger.ofWireName(trigger);
        return kill(r, Targets.of(r.get(), r.started(), process), process.pid(), timeoutMillis, why);
    }

    /**
     * Kills the tree of the process {@code handle} names (with its escapees, if the JDK started it here) and
     * waits up to {@code timeoutMillis}; the result as {@link #killStarted}. A stale handle (its process gone,
     * its pid perhaps another's now) is nothing to do: an empty report.
     *
     * @throws IllegalArgumentException for a pid treekill never signals (pid 1, this JVM, its ancestors)
     */
    public static Map<String, Object> killTree(ProcessHandle handle, long timeoutMillis, String trigger) {
        AgentRuntime r = runtime();
        Trigger why = Trigger.ofWireName(trigger);
        return kill(r, Targets.of(r.get(), r.started(), handle), handle.pid(), timeoutMillis, why);
    }

    private static Map<String, Object> kill(AgentRuntime r, Target identified, long pid, long timeoutMillis,
            Trigger trigger) {
        Engine engine = r.get(); // it refuses pid 1, this JVM and its ancestors itself, identified or not; hooks off
        Target target = identified != null ? identified : Target.gone(pid);
        // timeoutMillis was checked by the caller (TreeKill, the JUnit extension's configuration) with the one rule.
        Deadline deadline = Deadline.of(timeoutMillis, r.settings().warnMillis());
        return KillReports.of(engine.await(engine.kill(target, trigger), deadline)).toItems();
    }

    private static AgentRuntime runtime() {
        AgentRuntime r = runtime;
        if (r == null) {
            throw new IllegalStateException("the treekill agent is not active in this JVM");
        }
        return r;
    }
}
