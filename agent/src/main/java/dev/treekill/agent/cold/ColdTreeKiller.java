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
 * background thread ahead of a kill, or by the first kill whose tree reaches the walk limit before that) and the walk
 * has taken {@link TreeScans#walkLimit} members, the members it has pinned but not signalled yet, and everything below,
 * are left to {@link TreeScans}: one read of every process instead of about five reads per tree process. Every member
 * is then read once more ({@link #takeLateChildren}): an exited one is done with, a living one's children (forked
 * after the scan read it, before its SIGKILL) are walked like the rest, or scanned again where it has several threads
 * ({@link #handOverToScans}).
 */
final class ColdTreeKiller implements KillWaiter {
    /** A bound on a kill's members whatever happens (walk and scans); a tree that keeps growing past it is a bug. */
    static final int MAX_MEMBERS = 1 << 20;
    /** Scans per tree handed over; each after the last one's signals, so the second normally finds nobody. */
    private static final int MAX_SCANS = 16;

    private final ProcSource proc;
    private final KillStats stats;
    private final Signaller signaller;
    private final ExitWaiter waiter;
    private final Escapees escapees;
    /** Null until {@link #enableScans}: until then (a kill right at the first start) every tree is walked. */
    private volatile TreeScans scans;
    /** Asked to call {@link #enableScans} when a kill meets a large tree before the background thread did. */
    private final Runnable linkScans;
    /** The machine's processes as first counted (0: not yet; a race counts twice, harmlessly): see processCount(). */
    private volatile int processCount;
    /** A kill asked {@link #linkScans} (the background thread still links later where that failed). */
    private volatile boolean linkAsked;

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

    /** Whether {@link #enableScans} was called. */
    boolean scansEnabled() {
        return scans != null;
    }

    /**
     * Lets large trees be scanned rather than walked, with {@code withTable}'s {@link Syscalls#processTable} and
     * {@link Syscalls#signalStarted}, walking at most {@code walkLimit} members (0: as the machine's size says); returns
     * the walk limit in force.
     */
    int enableScans(Syscalls withTable, int walkLimit) {
        TreeScans s = new TreeScans(withTable, new Signaller(withTable, proc), proc, walkLimit, processCount());
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
                killTree(root, members);
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
                        killTree(e, members);
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
     * to the scans once it is large (see the class comment).
     */
    private void killTree(ProcEntry top, Map<Integer, Member> members) {
        Member first = isMember(top.pid, members) ? null : signaller.pin(top);
        if (first == null) {
            return;
        }
        int before = members.size();
        members.put(first.pid(), first);
        ArrayDeque<Member> open = new ArrayDeque<>();
        open.add(first);
        boolean scanned = false; // once per tree: what the reads after the scans' signals find is walked
        while (!open.isEmpty() && members.size() < MAX_MEMBERS) {
            Member m = open.poll();
            // Read before the SIGKILL: once m has died, its children are PID 1's and no longer found from m. Of its
            // main thread alone when it had one thread when pinned (no listing of its tasks): a thread started since
            // forks children that the read after the signal lists, or, if m is gone by then, that went to PID 1 or
            // an ancestor of this JVM with the cookie, where the escapee search finds them.
            int[] children = proc.children(m.pid(), m.entry.threads != 1);
            TreeScans s = scanned ? null : scansFor(members.size() - before + children.length);
            if (s != null) {
                scanned = true;
                open.addFirst(m);
                handOverToScans(s, open, members, children.length);
                continue;
            }
            pinChildren(m, children, members, open);
            m.unsignalled = !signaller.signal(m, Syscalls.SIGKILL);
            m.stopped = true; // it forks no more
            if (!m.unsignalled) {
                pinChildren(m, proc.children(m.pid(), true), members, open); // forks finished before the signal
            }
        }
        if (!open.isEmpty()) {
            Log.warn("a tree past " + MAX_MEMBERS + " processes: killing the " + open.size() + " pinned last, not their children");
            stats.error();
            for (Member m : open) {
                m.unsignalled = !signaller.signal(m, Syscalls.SIGKILL);
            }
        }
    }

    /**
     * The scans, if a tree of which {@code size} processes are known is to be scanned: linked first if they are not
     * yet and the tree is as large as their walk limit will be.
     */
    private TreeScans scansFor(int size) {
        TreeScans s = scans;
        if (s == null && !linkAsked && size >= TreeScans.MIN_WALK && size >= TreeScans.walkLimit(processCount())) {
            linkAsked = true; // once: where linking fails, every further walk step would try again
            linkScans.run();
            s = scans;
        }
        return s != null && s.works() && size >= s.walkLimit() ? s : null;
    }

    /**
     * The machine's processes, listed once: the walk limit before the scans are linked, and theirs until their first
     * scan counts again (a kill that links them itself lists /proc once, not twice).
     */
    private int processCount() {
        if (processCount == 0) {
            processCount = proc.pids().length;
        }
        return processCount;
    }

    /**
     * Kills {@code open} (pinned, not signalled yet) and every descendant a scan shows, then reads every member once
     * more ({@link #takeLateChildren}), leaving in {@code open} the children that read finds for the walk. Where a
     * member still alive has more than one thread, scans again instead: as its threads exit, their children pass to a
     * sibling thread whose children file may have been read already, while a scan lists them by the process they
     * belong to; until a scan after the signals finds nobody new. {@code unpinned}: tree processes seen but not pinned.
     */
    private void handOverToScans(TreeScans s, ArrayDeque<Member> open, Map<Integer, Member> members, int unpinned) {
        Set<Integer> ancestors = signaller.ancestors(); // read now: the scans must refuse them whatever they list
        for (int scans = 1;; scans++) {
            List<Member> toKill = new ArrayList<>(open);
            open.clear();
            int known = members.size();
            s.killTrees(toKill, members, ancestors, scans == 1 ? unpinned : 0);
            boolean foundNew = members.size() > known;
            boolean threadedAlive = false;
            for (Member m : new ArrayList<>(members.values())) {
                if (!m.exited && !m.gone) {
                    threadedAlive |= takeLateChildren(m, members, open, s.works());
                }
            }
            if (!threadedAlive || (scans > 1 && !foundNew) || !s.works() || scans == MAX_SCANS
                    || members.size() >= MAX_MEMBERS) {
                return; // open: walked by the caller
            }
        }
    }

    /**
     * After the scans' signals, reads {@code m} once more: exited (a zombie, or its pid gone or taken over), it is
     * done with, and the wait need not read it again; alive with one thread, its children now, forked after the scan
     * read it and before its SIGKILL (it forks no more), are pinned into {@code open}; alive with more threads,
     * returns true: a scan takes its children (see {@link #handOverToScans}), or, where {@code scanning} is false (the
     * scan failed), the walk's read of every thread's. Those of an exited member went to PID 1 or a subreaper: the
     * escapee search's.
     */
    private boolean takeLateChildren(Member m, Map<Integer, Member> members, ArrayDeque<Member> open, boolean scanning) {
        ProcEntry now = ProcTable.read(proc, m.pid());
        if (ExitWaiter.exitedIn(m, now)) {
            m.exited = true;
            m.gone = !m.entry.sameProcess(now); // reaped: its pid may name another process now
            return false;
        }
        if (m.unsignalled || (now.threads != 1 && !scanning)) {
            // Not ours to kill (EPERM), or no scan to list its children by process: every thread's, as the walk reads.
            pinChildren(m, proc.children(m.pid(), true), members, open);
            return false;
        }
        if (now.threads != 1) {
            return true;
        }
        pinChildren(m, proc.children(m.pid(), false), members, open); // one thread, and a killed process starts none
        return false;
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
