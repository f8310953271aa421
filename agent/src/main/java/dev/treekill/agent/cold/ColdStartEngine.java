package dev.treekill.agent.cold;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.RootIdentity;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.JdkSyscalls;
import java.util.List;
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
     * that path even when the native engine is ready, so that the guarantees can be tested on it.
     */
    public static final String FORCE_PROPERTY = "treekill.coldKill";

    private final Supplier<Engine> full;
    private final BooleanSupplier fullReady;
    private final KillStats stats;
    private final StartedProcesses started;
    /** False where the cold path cannot keep the guarantees: no cookies, or a JVM that adopts orphans (it reaps them). */
    private final boolean coldAllowed;
    private final boolean forced;
    private volatile ColdTreeKiller cold;
    private volatile boolean coldUnavailable;

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
        this.forced = "always".equals(System.getProperty(FORCE_PROPERTY));
    }

    @Override
    public PendingKill kill(Target target, Trigger trigger) {
        if (coldAllowed && ColdTreeKiller.accepts(target) && (forced || !fullReady.getAsBoolean())) {
            ColdTreeKiller c = cold();
            if (c != null) {
                return c.kill(target, trigger);
            }
        }
        return full.get().kill(target, trigger);
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

    /** The cold engine, or null where /proc has no children files or shows another PID namespace than this JVM's. */
    private ColdTreeKiller cold() {
        ColdTreeKiller c = cold;
        if (c == null && !coldUnavailable) {
            synchronized (this) {
                if (cold == null && !coldUnavailable) {
                    JdkSyscalls sys = new JdkSyscalls();
                    // The walk reads children files (CONFIG_PROC_CHILDREN), and the pids it reads must be ours.
                    if (ProcSource.system().hasChildrenFiles() && ProcSource.selfPidInProc() == sys.selfPid()) {
                        cold = new ColdTreeKiller(sys, ProcSource.system(), stats, started);
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
        return kill.waiter().await(kill, deadline);
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
