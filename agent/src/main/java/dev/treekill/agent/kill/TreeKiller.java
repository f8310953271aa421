package dev.treekill.agent.kill;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.sys.Syscalls;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The Linux engine: stop the tree parents first (SIGSTOP), rescan until no new process appears, then
 * SIGKILL everything and wait, zombie-aware. A stopped process cannot fork; a fork racing with the stop
 * shows up in the next scan, so the rescan loop closes the tree.
 */
public final class TreeKiller implements Engine {
    /** Each round needs a fork that raced with the previous round's stops; 64 such races do not happen. */
    static final int MAX_ROUNDS = 64;
    /** Stopping takes each member a trip through the scheduler; 1000 of them take a few ms on 2 cores. */
    private static final long MAX_STOP_WAIT_NANOS = 500_000_000L;

    private final Syscalls sys;
    private final ProcSource proc;
    private final Signaller signaller;
    private final ExitWaiter waiter;
    private final KillStats stats;

    public TreeKiller(Syscalls sys, ProcSource proc, KillStats stats) {
        this.sys = sys;
        this.proc = proc;
        this.signaller = new Signaller(sys, proc);
        this.waiter = new ExitWaiter(sys, proc);
        this.stats = stats;
    }

    @Override
    public KillStats stats() {
        return stats;
    }

    @Override
    public String refusal(long pid) {
        return signaller.refusal(pid, signaller.ancestors());
    }

    @Override
    public PendingKill kill(long rootPid, String trigger) {
        long start = System.nanoTime();
        List<Member> members = freeze(rootPid);
        long frozen = System.nanoTime();
        int signalled = 0;
        for (Member m : members) {
            if (signaller.signal(m, Syscalls.SIGKILL)) {
                signalled++;
            }
        }
        stats.started();
        if (Log.enabled(Log.Level.DEBUG)) {
            Log.debug(String.format(java.util.Locale.ROOT, "tree of pid %d: froze %d processes in %.2f ms, SIGKILL to %d in %.2f ms",
                    rootPid, members.size(), (frozen - start) / 1e6, signalled, (System.nanoTime() - frozen) / 1e6));
        }
        return new PendingKill(rootPid, trigger, start, members, signalled);
    }

    @Override
    public KillResult await(PendingKill kill, Deadline deadline) {
        try {
            List<Member> alive = waiter.await(kill.members, deadline.warnAtNanos(kill.startNanos), deadline.endNanos(kill.startNanos),
                    warnStillAlive(kill, deadline));
            long[] survivors = alive.stream().mapToLong(Member::pid).toArray();
            KillResult result = new KillResult(kill.rootPid, kill.signalled, kill.members.size() - alive.size(),
                    survivors, (System.nanoTime() - kill.startNanos) / 1e6, !alive.isEmpty(), kill.trigger);
            stats.finished(result);
            if (result.timedOut) {
                Log.warn("tree of pid " + kill.rootPid + ": " + survivors.length + " processes still alive after "
                        + deadline.timeoutMillis + " ms: " + java.util.Arrays.toString(survivors));
            } else {
                Log.info("tree of pid " + kill.rootPid + " gone: " + result);
            }
            return result;
        } catch (RuntimeException | Error e) {
            stats.abandoned();
            throw e;
        } finally {
            kill.members.forEach(signaller::release);
        }
    }

    private static Consumer<List<Member>> warnStillAlive(PendingKill kill, Deadline deadline) {
        return alive -> Log.warn("tree of pid " + kill.rootPid + ": " + alive.size() + " processes still alive after "
                + (System.nanoTime() - kill.startNanos) / 1_000_000 + " ms (giving up at " + deadline.timeoutMillis
                + " ms): " + alive);
    }

    @Override
    public int terminate(long rootPid) {
        List<Member> members = freeze(rootPid);
        int signalled = 0;
        for (Member m : members) {
            if (signaller.signal(m, Syscalls.SIGTERM)) {
                signalled++;
            }
        }
        // A stopped process only acts on SIGTERM once continued.
        for (Member m : members) {
            signaller.signal(m, Syscalls.SIGCONT);
            signaller.release(m);
        }
        return signalled;
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

    private void checkAllowed(long rootPid) {
        String refusal = refusal(rootPid);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
    }

    /**
     * Stops the root and every descendant, parents first, rescanning until a scan finds nobody new.
     * Returns the pinned members (root first); the gone ones are left out.
     */
    List<Member> freeze(long rootPid) {
        checkAllowed(rootPid);
        ProcEntry rootEntry = ProcTable.read(proc, (int) rootPid);
        Member root = rootEntry == null ? null : signaller.pin(rootEntry);
        if (root == null) {
            return new ArrayList<>();
        }
        Map<Integer, Member> members = new LinkedHashMap<>();
        members.put(root.pid(), root);
        stop(root);
        for (int round = 1; ; round++) {
            // A SIGSTOP sent is not a process stopped: one caught inside fork() still completes that fork.
            // Only a scan that starts once every member is really stopped can prove nobody is missing.
            awaitStopped(members.values());
            int added = proc.hasChildrenFiles() ? stopNewChildren(members) : stopNewFromScan(members);
            if (added == 0) {
                break;
            }
            if (round > MAX_ROUNDS) {
                Log.warn("tree of pid " + rootPid + " still growing after " + MAX_ROUNDS + " rescans; killing what was found");
                stats.error();
                break;
            }
        }
        return new ArrayList<>(members.values());
    }

    /**
     * Waits, a bounded time, until every member is stopped (every thread of it), a zombie, or gone. A
     * member stuck in the kernel (state D) may never stop in time; the kill goes on without it.
     */
    private void awaitStopped(Iterable<Member> members) {
        long giveUp = System.nanoTime() + MAX_STOP_WAIT_NANOS;
        long pause = 20_000;
        for (Member m : members) {
            while (!m.stopped && !(m.stopped = isStopped(m))) {
                if (System.nanoTime() > giveUp) {
                    Log.debug("not stopped in time: " + m);
                    return;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(pause);
                pause = Math.min(pause * 2, 1_000_000);
            }
        }
    }

    private boolean isStopped(Member m) {
        ProcEntry now = ProcTable.read(proc, m.pid());
        if (m.gone || !m.entry.sameProcess(now) || now.isZombie()) {
            return true;
        }
        if (now.state != 'T' && now.state != 't') {
            return false;
        }
        // The main thread is stopped; with more threads, any of them may still be inside fork().
        return now.threads <= 1 || proc.threadStates(m.pid()).chars().allMatch(c -> c == 'T' || c == 't' || c == 'Z' || c == 'X');
    }

    private void stop(Member m) {
        m.gone = !signaller.signal(m, Syscalls.SIGSTOP);
    }

    /**
     * One round over the children files of every member (cheap: only the tree is read, not every process
     * of the machine). A pid that names a member already is skipped, unless that member is gone and the
     * pid was handed to a newer process.
     */
    private int stopNewChildren(Map<Integer, Member> members) {
        ArrayDeque<Member> queue = new ArrayDeque<>(members.values());
        int added = 0;
        while (!queue.isEmpty()) {
            Member parent = queue.poll();
            for (int pid : proc.children(parent.pid())) {
                Member known = members.get(pid);
                if (known != null && !known.gone) {
                    continue;
                }
                Member kid = signaller.pinChild(pid, parent.entry);
                if (kid != null) {
                    if (known != null) {
                        signaller.release(known);
                    }
                    members.put(pid, kid);
                    stop(kid);
                    queue.add(kid);
                    added++;
                }
            }
        }
        return added;
    }

    /** One round over a full scan of /proc, for kernels without children files. */
    private int stopNewFromScan(Map<Integer, Member> members) {
        int added = 0;
        for (ProcEntry e : newDescendants(ProcTable.scan(proc), members)) {
            Member m = signaller.pin(e);
            if (m != null) {
                members.put(m.pid(), m);
                stop(m);
                added++;
            }
        }
        return added;
    }

    /**
     * The children, grandchildren, ... of every member that are not members yet, parents first. Walking
     * from every member rather than from the root also finds the children of a member whose own parent
     * exited and left it re-parented.
     */
    private static List<ProcEntry> newDescendants(ProcTable table, Map<Integer, Member> members) {
        List<ProcEntry> fresh = new ArrayList<>();
        ArrayDeque<ProcEntry> queue = new ArrayDeque<>();
        for (Member m : members.values()) {
            queue.add(m.entry);
        }
        Set<Integer> seen = new java.util.HashSet<>(members.keySet());
        while (!queue.isEmpty()) {
            for (ProcEntry kid : table.childrenOf(queue.poll())) {
                if (seen.add(kid.pid)) {
                    fresh.add(kid);
                    queue.add(kid);
                }
            }
        }
        return fresh;
    }
}
