package dev.treekill.agent.cold;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.KillLog;
import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.KillWaiter;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.linux.Escapees;
import dev.treekill.agent.linux.ExitWaiter;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.reaping.Adoption;
import dev.treekill.agent.signal.Member;
import dev.treekill.agent.signal.Refusal;
import dev.treekill.agent.signal.Signaller;
import dev.treekill.agent.starts.CookieMode;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.Syscalls;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kill a JVM can do before its native calls are loaded (JNA takes 40-70 ms after the first process
 * start): /proc and the JDK's start-time-checked kill ({@link dev.treekill.agent.sys.JdkSyscalls}), no
 * SIGSTOP, no pidfds. Each member's children are read and pinned before it gets SIGKILL and read again after
 * (a killed process forks no more: a fork either finished before the signal, and its child is listed, or
 * fails). A member that already died between the two reads has handed its late children to the nearest
 * subreaper above it or to PID 1; they still carry the target's cookie. So the escapee search that follows
 * (as in the native engine: same user, started after the root, the target's cookie) looks at the children of
 * every process a tree process can be handed to: this JVM's ancestors and PID 1 (this JVM is no subreaper
 * here, see {@link ColdStartEngine}), which also holds the daemons that left the tree before the kill; it
 * repeats until it finds no one (bounded). Only a cookie process started outside this JVM's descent (handed
 * to another service) is left to the native engine's scan of all of /proc. The catch exists only for a target
 * with a cookie, hence {@link #accepts}: every other kill waits for the native engine. The wait is
 * zombie-aware by polling /proc.
 * <p>
 * A large tree is not walked to its end: once the JDK's scan of /proc is linked ({@link #enableScans}, by the
 * background thread ahead of a kill, or by the first kill that needs it) and the walk has taken
 * {@link TreeScans#walkLimit} members, the members it has pinned but not signalled yet, and everything below, are left
 * to {@link TreeScans}: one read of every process instead of about five reads per tree process. Each member the scan
 * signalled is then read once more ({@link #takeLateChildren}): an exited one is done with, a living one's children
 * (forked after the scan read it, before its SIGKILL) are walked like the rest.
 */
final class ColdTreeKiller implements KillWaiter {
    /** A bound on a kill's members whatever happens (walk and scans); a tree that keeps growing past it is a bug. */
    static final int MAX_MEMBERS = 1 << 20;

    private final ProcSource proc;
    private final KillStats stats;
    private final Signaller signaller;
    private final ExitWaiter waiter;
    private final Escapees escapees;
    /** Null until {@link #enableScans}: until then (a kill right at the first start) every tree is walked. */
    private volatile TreeScans scans;
    /** Asked to call {@link #enableScans} when a kill meets a large tree before the background thread did. */
    private final Runnable linkScans;

    /**
     * {@code linkScans}: links the scans (calls {@link #enableScans} where it can; does nothing once done); run by a
     * kill that meets a tree of at least {@link TreeScans#MIN_WALK} processes while they are not linked yet.
     */
    ColdTreeKiller(Syscalls sys, ProcSource proc, KillStats stats, StartedProcesses started, Runnable linkScans) {
        this.linkScans = linkScans;
        this.proc = proc;
        this.stats = stats;
        this.signaller = new Signaller(sys, proc);
        this.waiter = new ExitWaiter(sys, proc);
        this.escapees = new Escapees(proc, sys.selfPid(), started, Adoption.NONE, CookieMode.ON);
    }

    /** Whether {@link #enableScans} succeeded. */
    boolean scansEnabled() {
        return scans != null;
    }

    /**
     * Lets large trees be scanned rather than walked, with {@code withTable}'s {@link Syscalls#processTable} and
     * {@link Syscalls#signalStarted}, walking at most {@code walkLimit} members (0: as the machine's size says); returns
     * the walk limit in force.
     */
    int enableScans(Syscalls withTable, int walkLimit) {
        TreeScans s = new TreeScans(withTable, new Signaller(withTable, proc), proc, walkLimit, proc.pids().length);
        scans = s;
        return s.walkLimit();
    }

    /**
     * Whether a kill of {@code target} keeps every guarantee here: only a tree the JDK started with a cookie,
     * which is how the processes the missing SIGSTOP lets slip away are found.
     */
    static boolean accepts(Target target) {
        return target.cookie() != null && !target.allDescendants();
    }

    PendingKill kill(Target target, Trigger trigger) {
        if (!accepts(target)) {
            throw new IllegalArgumentException(target + " needs the native engine");
        }
        long startNanos = System.nanoTime();
        stats.started();
        Map<Integer, Member> members = new LinkedHashMap<>();
        long rootStartTicks = target.startTicks();
        try {
            Refusal.throwIf(signaller.refusal(target.rootPid()));
            ProcEntry root = target.rootAlive() ? ProcTable.read(proc, (int) target.rootPid()) : null;
            if (target.isRoot(root)) {
                rootStartTicks = root.startTime;
                killTree(root, members, target);
            }
            // Read after the tree was killed: orphans go to the ancestors the JVM has then.
            Set<Integer> ancestors = signaller.ancestors();
            escapees.takeAll(target, rootStartTicks, members, new Escapees.Round() {
                @Override
                public int[] pids() {
                    return handedTo(ancestors);
                }

                @Override
                public void take(List<ProcEntry> found) {
                    for (ProcEntry e : found) {
                        killTree(e, members, target);
                    }
                }
            }, stats);
        } catch (RuntimeException | Error e) {
            stats.abandoned();
            throw e;
        }
        int signalled = 0;
        int scanned = 0;
        for (Member m : members.values()) {
            signalled += m.unsignalled ? 0 : 1;
            scanned += m.byStartTime ? 1 : 0;
        }
        if (Log.enabled(Log.Level.DEBUG)) {
            Log.debug(target + ": SIGKILL to " + signalled + " of " + members.size() + " processes without native calls in "
                    + (System.nanoTime() - startNanos) / 1000 + " us (" + scanned + " found by scans)");
        }
        // Waited for here too (this is its waiter), whatever engine is ready by then.
        return new PendingKill(this, target, rootStartTicks, trigger, startNanos, new ArrayList<>(members.values()), signalled);
    }

    /**
     * Kills {@code top} and its tree, parents first, adding them to {@code members}: walks it, and hands what is left
     * to a scan once it is large (see the class comment).
     */
    private void killTree(ProcEntry top, Map<Integer, Member> members, Target target) {
        Member first = isMember(top.pid, members) ? null : signaller.pin(top);
        if (first == null) {
            return;
        }
        members.put(first.pid(), first);
        ArrayDeque<Member> open = new ArrayDeque<>();
        open.add(first);
        boolean scanned = false; // once per tree: what the scan's reads after the signals find is walked
        while (!open.isEmpty() && members.size() < MAX_MEMBERS) {
            Member m = open.poll();
            // Read before the SIGKILL: once m has died, its children are PID 1's and no longer found from m. Of its
            // main thread alone when it had one thread when pinned (no listing of its tasks): a thread started since
            // forks children that the read after the signal lists, or, if m is gone by then, that went to PID 1 or
            // an ancestor of this JVM with the cookie, where the escapee search finds them.
            int[] children = proc.children(m.pid(), m.entry.threads != 1);
            TreeScans s = scanned ? null : scansFor(members.size() + children.length);
            if (s != null) {
                scanned = true;
                open.addFirst(m);
                // Ancestors read now: the scan must refuse them whatever it lists.
                List<Member> signalled = s.killTrees(new ArrayList<>(open), members, signaller.ancestors(), children.length);
                open.clear();
                for (Member each : signalled) {
                    takeLateChildren(each, members, open);
                }
                continue;
            }
            pinChildren(m, children, members, open);
            m.unsignalled = !signaller.signal(m, Syscalls.SIGKILL);
            m.stopped = true; // it forks no more
            if (!m.unsignalled) {
                pinChildren(m, proc.children(m.pid(), true), members, open); // forks finished before the signal
            }
        }
    }

    /** The scans, if a tree of {@code size} processes is to be scanned: linked now if a large tree is the first. */
    private TreeScans scansFor(int size) {
        TreeScans s = scans;
        if (s == null && size >= TreeScans.MIN_WALK) {
            linkScans.run();
            s = scans;
        }
        return s != null && size >= s.walkLimit() ? s : null;
    }

    /**
     * After the scan's signals, reads {@code m} once more: exited (a zombie, or its pid gone or taken over), it is
     * done with, and the wait need not read it again; alive, its children now, forked after the scan read it and
     * before its SIGKILL (it forks no more), are pinned into {@code open}. Those of an exited member went to PID 1 or
     * a subreaper: the escapee search's.
     */
    private void takeLateChildren(Member m, Map<Integer, Member> members, ArrayDeque<Member> open) {
        ProcEntry now = ProcTable.read(proc, m.pid());
        if (!m.entry.sameProcess(now) || now.hasExited()) {
            m.exited = true;
            return;
        }
        // Its thread count is final once it is signalled: a killed process starts no thread.
        pinChildren(m, proc.children(m.pid(), m.unsignalled || now.threads != 1), members, open);
    }

    /** The children of the processes orphans can be re-parented to: this JVM's ancestors, and PID 1. */
    private int[] handedTo(Set<Integer> ancestors) {
        int[] all = proc.children(1, true);
        for (int reaper : ancestors) {
            int[] more = proc.children(reaper, true);
            int at = all.length;
            all = Arrays.copyOf(all, at + more.length);
            System.arraycopy(more, 0, all, at, more.length);
        }
        return all;
    }

    /** Pins {@code children} (just read from {@code parent}'s children files) that are new, queueing them in {@code open}. */
    private void pinChildren(Member parent, int[] children, Map<Integer, Member> members, ArrayDeque<Member> open) {
        // Without a pidfd nothing holds the parent's pid: once it is dead and reaped (the JDK reaps a root at once)
        // the pid may name a stranger whose children the read just listed. A list counts only if the parent is
        // still the same process after it (a zombie still is: its pid cannot change hands); children it loses this
        // way went to PID 1 or an ancestor with the cookie, where the escapee search finds them.
        if (children.length == 0 || !parent.entry.sameProcess(ProcTable.read(proc, parent.pid()))) {
            return;
        }
        for (int pid : children) {
            Member kid = isMember(pid, members) ? null : signaller.pinChild(pid, parent.entry);
            if (kid != null) {
                Member replaced = members.put(pid, kid);
                if (replaced != null) {
                    replaced.gone = true;
                }
                open.add(kid);
            }
        }
    }

    private static boolean isMember(int pid, Map<Integer, Member> members) {
        Member known = members.get(pid);
        return known != null && !known.gone;
    }

    /** Waits, zombie-aware, by polling /proc. */
    @Override
    public KillResult await(PendingKill kill, Deadline deadline) {
        try {
            long startNanos = kill.startNanos();
            List<Member> alive = waiter.await(kill.members(), deadline.warnAtNanos(startNanos), deadline.endNanos(startNanos),
                    KillLog.warnStillAlive(kill, deadline));
            return KillLog.finished(stats, kill.target(), KillResult.of(kill, alive), kill.signalled(), deadline);
        } catch (RuntimeException | Error e) {
            stats.abandoned();
            throw e;
        }
    }

    /** Nothing to let go of: no pidfds, nothing stopped. */
    @Override
    public void release(PendingKill kill) {
    }
}
