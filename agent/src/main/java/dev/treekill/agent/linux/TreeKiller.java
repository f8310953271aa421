package dev.treekill.agent.linux;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.RootIdentity;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.reaping.OrphanReaper;
import dev.treekill.agent.signal.Member;
import dev.treekill.agent.signal.Signaller;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.Syscalls;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The Linux engine: freeze the tree ({@link TreeFreezer}), SIGKILL every member through its pidfd, and
 * wait, zombie-aware ({@link ExitWaiter}).
 */
public final class TreeKiller implements Engine {
    /** Escapee scans per kill; each stops what it found, so a second scan normally finds nobody. */
    private static final int MAX_ESCAPEE_ROUNDS = 10;
    /** How long a kill waits for starts under way elsewhere before leaving its orphans to the background reaper. */
    private static final long REAP_PATIENCE_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(200);

    private final ProcSource proc;
    private final Signaller signaller;
    private final ExitWaiter waiter;
    private final TreeFreezer freezer;
    private final KillStats stats;
    private final Syscalls sys;
    private final Escapees escapees;
    private final StartedProcesses started;
    /** Null unless this JVM adopts orphans (PID 1 or a subreaper): only then are tree members ours to reap. */
    private final OrphanReaper reaper;

    /**
     * {@code started}: what the JDK started here; {@code subreaper}: whether this JVM is a child subreaper
     * (then, as when it is PID 1, it adopts orphans and reaps them); {@code cookies}: whether started
     * processes carry cookies.
     */
    public TreeKiller(Syscalls sys, ProcSource proc, KillStats stats, StartedProcesses started, boolean subreaper,
            boolean cookies) {
        this.sys = sys;
        this.proc = proc;
        this.signaller = new Signaller(sys, proc);
        this.waiter = new ExitWaiter(sys, proc);
        this.freezer = new TreeFreezer(proc, signaller, stats);
        this.stats = stats;
        boolean adopts = subreaper || sys.selfPid() == 1;
        this.escapees = new Escapees(proc, sys.selfPid(), started, adopts, subreaper, cookies);
        this.started = started;
        this.reaper = adopts ? new OrphanReaper(sys, proc, started) : null;
    }

    /** Trees only: no process was started through the hooks, nothing is adopted. */
    public TreeKiller(Syscalls sys, ProcSource proc, KillStats stats) {
        this(sys, proc, stats, new StartedProcesses(), false, false);
    }

    @Override
    public KillStats stats() {
        return stats;
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
        return signaller.refusal(pid, signaller.ancestors());
    }

    @Override
    public PendingKill kill(Target target, Trigger trigger) {
        long start = System.nanoTime();
        stats.started();
        Map<Integer, Member> members = new LinkedHashMap<>();
        try {
            long rootStart = freeze(target, members);
            return signalKill(target, rootStart, trigger, start, members);
        } catch (RuntimeException | Error e) {
            abandon(members.values());
            throw e;
        }
    }

    private PendingKill signalKill(Target target, long rootStart, Trigger trigger, long start, Map<Integer, Member> members) {
        long frozen = System.nanoTime();
        int signalled = 0;
        for (Member m : members.values()) {
            if (signaller.signal(m, Syscalls.SIGKILL)) {
                signalled++;
            } else {
                m.unsignalled = true;
            }
        }
        if (Log.enabled(Log.Level.DEBUG)) {
            Log.debug(target + ": froze " + members.size() + " processes in " + (frozen - start) / 1000
                    + " us, SIGKILL to " + signalled + " in " + (System.nanoTime() - frozen) / 1000 + " us");
        }
        return new PendingKill(target, rootStart, trigger, start, new ArrayList<>(members.values()), signalled);
    }

    /** A kill that failed half-way: its members still die, and it no longer counts as in progress. */
    private void abandon(Collection<Member> members) {
        killAndRelease(members);
        stats.abandoned();
    }

    /** Never leave a tree stopped: whatever was pinned was meant to die. */
    private void killAndRelease(Collection<Member> members) {
        for (Member m : members) {
            signaller.signal(m, Syscalls.SIGKILL);
            signaller.release(m);
        }
    }

    @Override
    public KillResult await(PendingKill kill, Deadline deadline) {
        try {
            return finished(kill.target, waitFor(kill, deadline), kill.signalled, deadline);
        } catch (RuntimeException | Error e) {
            stats.abandoned();
            throw e;
        }
    }

    /** Waits for the members, reaps those that became our orphans, and releases them: the kill's result. */
    private KillResult waitFor(PendingKill kill, Deadline deadline) {
        try {
            List<Member> alive = waiter.await(kill.members, deadline.warnAtNanos(kill.startNanos), deadline.endNanos(kill.startNanos),
                    warnStillAlive(kill, deadline));
            reapOrphaned(kill.members, deadline.endNanos(kill.startNanos));
            long[] survivors = new long[alive.size()];
            for (int i = 0; i < survivors.length; i++) {
                survivors[i] = alive.get(i).pid();
            }
            return new KillResult(kill.rootPid, kill.signalled, kill.members.size() - alive.size(),
                    survivors, (System.nanoTime() - kill.startNanos) / 1e6, !alive.isEmpty(), kill.trigger);
        } finally {
            release(kill);
        }
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
        while (reaper.reap(members)[1] > 0 && System.nanoTime() < until) {
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        }
    }

    /** Counts and logs (one line) a finished kill of {@code target}; {@code sigkilled} processes got SIGKILL. */
    private KillResult finished(Target target, KillResult result, int sigkilled, Deadline deadline) {
        stats.finished(result, sigkilled);
        if (result.timedOut) {
            Log.warn(target + ": " + result.survivors.length + " processes still alive after "
                    + deadline.timeoutMillis + " ms: " + java.util.Arrays.toString(result.survivors));
        } else if (Log.enabled(Log.Level.INFO)) {
            Log.info(target + " gone: " + result);
        }
        return result;
    }

    /** A class, not a lambda: the first lambda a JVM links costs milliseconds, and the first kill is timed. */
    private static Consumer<List<Member>> warnStillAlive(PendingKill kill, Deadline deadline) {
        return new Consumer<List<Member>>() {
            @Override
            public void accept(List<Member> alive) {
                Log.warn(kill.target + ": " + alive.size() + " processes still alive after "
                        + (System.nanoTime() - kill.startNanos) / 1_000_000 + " ms (giving up at "
                        + deadline.timeoutMillis + " ms): " + alive);
            }
        };
    }

    @Override
    public PendingKill terminate(Target target, Trigger trigger) {
        return frozenAndContinued(target, trigger, Syscalls.SIGTERM);
    }

    @Override
    public PendingKill snapshot(Target target, Trigger trigger) {
        return frozenAndContinued(target, trigger, NO_SIGNAL);
    }

    /** For {@link #snapshot}: the members are taken, and sent nothing. */
    private static final int NO_SIGNAL = 0;

    /**
     * Freezes the target, sends {@code signal} (or {@link #NO_SIGNAL}) to every member, continues them all but
     * those that were stopped before the freeze.
     */
    private PendingKill frozenAndContinued(Target target, Trigger trigger, int signal) {
        long start = System.nanoTime();
        Map<Integer, Member> members = new LinkedHashMap<>();
        int signalled = 0;
        long rootStart;
        try {
            rootStart = freeze(target, members);
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
        return new PendingKill(target, rootStart, trigger, start, new ArrayList<>(members.values()), signalled);
    }

    @Override
    public void release(PendingKill kill) {
        for (Member m : kill.members) {
            signaller.release(m);
        }
    }

    @Override
    public KillResult escalate(PendingKill terminated, long graceMillis, Deadline deadline) {
        stats.started(); // one tree kill, from the SIGTERM on
        try {
            long graceEnd = Deadline.after(terminated.startNanos, graceMillis);
            List<Member> alive;
            try {
                alive = waiter.await(terminated.members, graceEnd, graceEnd, NO_WARNING);
                reapOrphaned(terminated.members, graceEnd);
            } finally {
                release(terminated);
            }
            // The survivors' trees now, not as they were: a SIGTERM handler may have started processes.
            List<ProcEntry> roots = new ArrayList<>();
            for (Member m : alive) {
                roots.add(m.entry);
            }
            PendingKill kill = killRoots(terminated.target, terminated.rootStartTicks, roots, terminated.trigger);
            KillResult last = waitFor(kill, deadline);
            KillResult result = new KillResult(terminated.rootPid, terminated.signalled,
                    terminated.members.size() - alive.size() + last.exited, last.survivors,
                    (System.nanoTime() - terminated.startNanos) / 1e6, last.timedOut, terminated.trigger);
            return finished(terminated.target, result, kill.signalled, deadline);
        } catch (RuntimeException | Error e) {
            stats.abandoned();
            throw e;
        }
    }

    private static final Consumer<List<Member>> NO_WARNING = new Consumer<List<Member>>() {
        @Override
        public void accept(List<Member> alive) {
        }
    };

    @Override
    public int reapOrphans() {
        return reaper == null ? 0 : reaper.reapAdopted();
    }

    @Override
    public List<ProcEntry> describe(long rootPid) {
        if (rootPid <= 0 || rootPid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pid " + rootPid + " is not a process id");
        }
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
        return self == null ? new ArrayList<>() : table.descendantsOf(self);
    }

    /**
     * Stops the target's tree and then its escapees with their trees, rescanning until a scan finds no one
     * new (the escapees stopped so far cannot start more), adding the members to {@code members}, root first.
     * Returns the root's start time (clock ticks), or -1 if it is not known.
     */
    long freeze(Target target, Map<Integer, Member> members) {
        long rootStart = target.startTicks;
        if (target.allDescendants) {
            freezer.freezeInto(liveChildren(target), members);
        } else {
            checkAllowed(target.rootPid);
            ProcEntry root = target.rootAlive ? ProcTable.read(proc, (int) target.rootPid) : null;
            if (target.isRoot(root)) { // else its pid names another process now, or none
                rootStart = root.startTime;
                freezer.freezeInto(Collections.singletonList(root), members);
            }
        }
        freezeEscapees(target, rootStart, members);
        return rootStart;
    }

    /** Stops the target's escapees with their trees, rescanning until a scan finds no one new (bounded). */
    private void freezeEscapees(Target target, long rootStart, Map<Integer, Member> members) {
        for (int round = 0; escapees.mayExist(target); round++) {
            List<ProcEntry> found = escapees.find(target, rootStart, members);
            if (found.isEmpty()) {
                return;
            }
            if (round == MAX_ESCAPEE_ROUNDS) {
                Log.warn(target + ": escapees still appearing after " + round + " scans; killing what was found");
                stats.error();
                return;
            }
            Log.debug(target + ": escapees " + found);
            freezer.freezeInto(found, members);
        }
    }

    /** Stops and SIGKILLs the trees of {@code roots} (and the target's escapees) as one kill. */
    private PendingKill killRoots(Target target, long rootStart, List<ProcEntry> roots, Trigger trigger) {
        long start = System.nanoTime();
        Map<Integer, Member> members = new LinkedHashMap<>();
        try {
            freezer.freezeInto(roots, members);
            freezeEscapees(target, rootStart, members);
            return signalKill(target, rootStart, trigger, start, members);
        } catch (RuntimeException | Error e) {
            killAndRelease(members.values());
            throw e;
        }
    }

    /**
     * The roots of this JVM's trees: its live children that did not opt out, and where it adopts orphans only
     * those the JDK started; the adopted ones are escapees, claimed or not by the escapee search. At exit, only
     * those that were running when shutdown began.
     */
    private List<ProcEntry> liveChildren(Target target) {
        List<ProcEntry> children = new ArrayList<>();
        for (int pid : ProcTable.childPids(proc, signaller.selfPid())) {
            ProcEntry e = ProcTable.read(proc, pid);
            if (e != null && !e.isZombie() && e.ppid == signaller.selfPid()
                    && (reaper == null || started.startedByJdk(pid)) && !escapees.optedOut(e)
                    && (!target.sparesShutdownStarts || started.wasRunningWhenShutdownBegan(pid))) {
                children.add(e);
            }
        }
        return children;
    }

    private void checkAllowed(long rootPid) {
        String refusal = refusal(rootPid);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
    }
}
