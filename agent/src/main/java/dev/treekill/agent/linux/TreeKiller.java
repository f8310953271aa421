package dev.treekill.agent.linux;

import dev.treekill.agent.engine.AbstractEngine;
import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.KillLog;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.RootIdentity;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.TreeQueries;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.reaping.OrphanReaper;
import dev.treekill.agent.signal.Member;
import dev.treekill.agent.signal.Signaller;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.Syscalls;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The Linux engine: freeze the tree ({@link TreeFreezer}), SIGKILL every member through its pidfd, and
 * wait, zombie-aware ({@link ExitWaiter}).
 */
public final class TreeKiller extends AbstractEngine {
    /** How long a kill waits for starts under way elsewhere before leaving its orphans to the background reaper. */
    private static final long REAP_PATIENCE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** Between two reap passes of one kill while a start under way holds its orphans back. */
    private static final long REAP_RETRY_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    /** For {@link #snapshot}: the members are taken, and sent nothing. */
    private static final int NO_SIGNAL = 0;

    private final ProcSource proc;
    private final Signaller signaller;
    private final ExitWaiter waiter;
    private final TreeFreezer freezer;
    private final Escapees escapees;
    private final StartedProcesses started;
    /** Null unless this JVM adopts orphans (PID 1 or a subreaper): only then are tree members ours to reap. */
    private final OrphanReaper reaper;

    /**
     * {@code started}: what the JDK started here, with {@code cookies} or not; {@code adoption}: whether this JVM
     * adopts orphans, and as what.
     */
    public TreeKiller(Syscalls sys, ProcSource proc, KillStats stats, StartedProcesses started, Adoption adoption,
            CookieMode cookies) {
        super(stats);
        this.proc = proc;
        this.signaller = new Signaller(sys, proc);
        this.waiter = new ExitWaiter(sys, proc);
        this.freezer = new TreeFreezer(proc, signaller, stats);
        this.started = started;
        this.escapees = new Escapees(proc, sys.selfPid(), started, adoption, cookies);
        this.reaper = adoption.adopts() ? new OrphanReaper(sys, proc, started) : null;
    }

    /** Trees only: no process was started through the hooks, nothing is adopted. */
    public TreeKiller(Syscalls sys, ProcSource proc, KillStats stats) {
        this(sys, proc, stats, new StartedProcesses(), Adoption.NONE, CookieMode.OFF);
    }

    @Override
    public Target identify(ProcessHandle handle) {
        return RootIdentity.ofHandle(proc, handle);
    }

    @Override
    public Target identify(long pid) {
        return RootIdentity.ofPid(proc, pid);
    }

    @Override
    public String refusal(long pid) {
        return signaller.refusal(pid);
    }

    @Override
    public PendingKill kill(Target target, Trigger trigger) {
        long startNanos = System.nanoTime();
        stats.started();
        Map<Integer, Member> members = new LinkedHashMap<>();
        try {
            long rootStartTicks = freeze(target, members);
            return signalKill(target, rootStartTicks, trigger, startNanos, members);
        } catch (RuntimeException | Error e) {
            killAndRelease(members.values());
            stats.abandoned(); // a kill that failed half-way: its members still die, and it no longer counts as in progress
            throw e;
        }
    }

    private PendingKill signalKill(Target target, long rootStartTicks, Trigger trigger, long startNanos, Map<Integer, Member> members) {
        long frozenNanos = System.nanoTime();
        int signalled = 0;
        for (Member m : members.values()) {
            if (signaller.signal(m, Syscalls.SIGKILL)) {
                signalled++;
            } else {
                m.unsignalled = true;
            }
        }
        if (Log.enabled(Log.Level.DEBUG)) {
            Log.debug(target + ": froze " + members.size() + " processes in " + (frozenNanos - startNanos) / 1000
                    + " us, SIGKILL to " + signalled + " in " + (System.nanoTime() - frozenNanos) / 1000 + " us");
        }
        return new PendingKill(this, target, rootStartTicks, trigger, startNanos, new ArrayList<>(members.values()), signalled);
    }

    /** Never leave a tree stopped: whatever was pinned was meant to die. */
    private void killAndRelease(Collection<Member> members) {
        for (Member m : members) {
            signaller.signal(m, Syscalls.SIGKILL);
            signaller.release(m);
        }
    }

    @Override
    protected List<Member> waitFor(PendingKill kill, long warnAtNanos, long untilNanos, Deadline deadline) {
        List<Member> alive = waiter.await(kill.members(), warnAtNanos, untilNanos, KillLog.warnStillAlive(kill, deadline));
        reapOrphaned(kill.members(), untilNanos);
        return alive;
    }

    /**
     * The JDK reaps only what it started: members re-parented to this JVM are reaped here, so that none is
     * left a zombie. A start under way in another thread may hold that up for a moment (see OrphanReaper);
     * after a short wait the background pass takes what is left.
     */
    private void reapOrphaned(List<Member> members, long deadlineNanos) {
        if (reaper == null) {
            return;
        }
        long until = Math.min(deadlineNanos, System.nanoTime() + REAP_PATIENCE_NANOS);
        while (reaper.reap(members).leftForLater() > 0 && System.nanoTime() < until) {
            LockSupport.parkNanos(REAP_RETRY_NANOS);
        }
    }

    @Override
    public PendingKill terminate(Target target, Trigger trigger) {
        return frozenAndContinued(target, trigger, Syscalls.SIGTERM);
    }

    @Override
    public PendingKill snapshot(Target target, Trigger trigger) {
        return frozenAndContinued(target, trigger, NO_SIGNAL);
    }

    /**
     * Freezes the target, sends {@code signal} (or {@link #NO_SIGNAL}) to every member, continues them all but
     * those that were stopped before the freeze.
     */
    private PendingKill frozenAndContinued(Target target, Trigger trigger, int signal) {
        long startNanos = System.nanoTime();
        Map<Integer, Member> members = new LinkedHashMap<>();
        int signalled = 0;
        long rootStartTicks;
        try {
            rootStartTicks = freeze(target, members);
            for (Member m : members.values()) {
                if (signal != NO_SIGNAL && signaller.signal(m, signal)) {
                    signalled++;
                }
            }
        } finally {
            // A stopped process only acts on SIGTERM once continued; and none may stay stopped on a failure. What
            // was stopped before the freeze stays stopped, as without the agent (its SIGTERM waits, its SIGKILL not).
            for (Member m : members.values()) {
                if (!m.stoppedBeforeFreeze()) {
                    signaller.signal(m, Syscalls.SIGCONT);
                }
            }
        }
        return new PendingKill(this, target, rootStartTicks, trigger, startNanos, new ArrayList<>(members.values()), signalled);
    }

    @Override
    protected void release(Member member) {
        signaller.release(member);
    }

    @Override
    protected PendingKill killTreesOf(PendingKill terminated, List<Member> roots) {
        long startNanos = System.nanoTime();
        Map<Integer, Member> members = new LinkedHashMap<>();
        try {
            freezer.freezePinned(roots, members);
            freezeEscapees(terminated.target(), terminated.rootStartTicks(), members);
            return signalKill(terminated.target(), terminated.rootStartTicks(), terminated.trigger(), startNanos, members);
        } catch (RuntimeException | Error e) {
            killAndRelease(members.values()); // the roots among them: the freeze takes them in before it signals
            throw e;
        }
    }

    @Override
    public int reapOrphans() {
        return reaper == null ? 0 : reaper.reapAdopted();
    }

    @Override
    public List<ProcEntry> describe(long rootPid) {
        TreeQueries.requirePid(rootPid);
        ProcEntry root = ProcTable.read(proc, (int) rootPid);
        List<ProcEntry> tree = new ArrayList<>();
        if (root != null) {
            tree.add(root);
            tree.addAll(ProcTable.scan(proc).descendantsOf(root));
        }
        return tree;
    }

    @Override
    public List<ProcEntry> ownDescendants() {
        ProcTable table = ProcTable.scan(proc);
        ProcEntry self = table.get(signaller.selfPid());
        if (self == null) {
            return new ArrayList<>();
        }
        List<ProcEntry> children = new ArrayList<>();
        for (ProcEntry child : table.childrenOf(self)) {
            if (!started.hiddenChildren().contains(child)) { // the agent's own (the exitKill guard) is nobody's business
                children.add(child);
            }
        }
        List<ProcEntry> descendants = new ArrayList<>(children);
        descendants.addAll(table.descendantsOf(children));
        return descendants;
    }

    /**
     * Stops the target's tree and then its escapees with their trees, adding the members to {@code members}, root
     * first. Returns the root's start time (clock ticks), or {@link ProcEntry#UNKNOWN_START}.
     */
    private long freeze(Target target, Map<Integer, Member> members) {
        long rootStartTicks = target.startTicks();
        if (target.ownDescendants()) {
            if (target.rootPid() != signaller.selfPid()) {
                // Only this JVM's own children are found (by its ppid): another pid's would be ours, mistaken.
                throw new IllegalArgumentException("every child tree of pid " + target.rootPid()
                        + " asked for, but only this JVM's (" + signaller.selfPid() + ") can be killed so");
            }
            freezer.freezeInto(liveChildren(target), members);
        } else if (!target.leftBehindByDeadJvm()) {
            requireAllowed(target.rootPid());
            ProcEntry root = target.rootAlive() ? ProcTable.read(proc, (int) target.rootPid()) : null;
            if (target.isRoot(root)) { // else its pid names another process now, or none
                rootStartTicks = root.startTime;
                freezer.freezeInto(Collections.singletonList(root), members);
            }
        }
        freezeEscapees(target, rootStartTicks, members);
        return rootStartTicks;
    }

    /** Stops the target's escapees with their trees, round after round (see {@link Escapees#takeAll}). */
    private void freezeEscapees(Target target, long rootStartTicks, Map<Integer, Member> members) {
        escapees.takeAll(target, rootStartTicks, members, new Escapees.Round() {
            @Override
            public int[] pids() {
                return null;
            }

            @Override
            public void take(List<ProcEntry> found) {
                freezer.freezeInto(found, members);
            }
        }, stats);
    }

    /**
     * The roots of this JVM's trees: its live children that did not opt out and are not the agent's own (the guard's
     * launcher and, under a subreaper, the guard: {@link dev.treekill.agent.starts.HiddenChildren}), and where it adopts orphans only
     * those the JDK started; the adopted ones are escapees, claimed or not by the escapee search. For a target
     * that spares marked starts, only those the registry did not mark.
     */
    private List<ProcEntry> liveChildren(Target target) {
        List<ProcEntry> children = new ArrayList<>();
        int self = signaller.selfPid();
        for (int pid : ProcTable.childPids(proc, self)) {
            ProcEntry e = ProcTable.read(proc, pid);
            if (e != null && !e.isZombie() && e.ppid == self
                    && (reaper == null || started.startedByJdk(pid)) && !escapees.optedOut(e)
                    && !started.hiddenChildren().contains(e)
                    && (!target.sparesMarked() || !started.isSparedChild(pid))) {
                children.add(e);
            }
        }
        return children;
    }
}
