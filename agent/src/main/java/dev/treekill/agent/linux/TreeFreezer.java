package dev.treekill.agent.linux;

import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.signal.Member;
import dev.treekill.agent.signal.Signaller;
import dev.treekill.agent.sys.Syscalls;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Stops a whole tree so that nothing in it can fork any more, and returns its members. Every member
 * is pinned (pidfd + start time), sent SIGSTOP, and counted only once it is seen really stopped: a
 * SIGSTOP caught inside fork() lets that fork finish. The tree is closed when the children of every
 * member were read after that member stopped.
 */
final class TreeFreezer {
    /** Passes without progress before giving up on a member that does not stop (state D). */
    private static final long MAX_STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** A bound on passes whatever happens; a tree that keeps growing through this many is a bug. */
    private static final int MAX_PASSES = 10_000;

    private final ProcSource proc;
    private final Signaller signaller;
    private final KillStats stats;

    TreeFreezer(ProcSource proc, Signaller signaller, KillStats stats) {
        this.proc = proc;
        this.signaller = signaller;
        this.stats = stats;
    }

    /**
     * Stops the trees of {@code roots} too, adding their members to {@code members} (which may hold stopped
     * trees already: those are not read again). Roots that are gone or members already are skipped.
     */
    void freezeInto(List<ProcEntry> roots, Map<Integer, Member> members) {
        ArrayDeque<Member> open = new ArrayDeque<>();
        for (ProcEntry root : roots) {
            Member m = isMember(root.pid, members) ? null : signaller.pin(root);
            if (m != null) {
                join(m, members);
                open.add(m);
            }
        }
        close(members, open);
    }

    /**
     * Stops the trees of {@code roots}, processes pinned already (the survivors of a terminate: distinct, and none of
     * them in {@code members}), adding them and their trees to {@code members}, which holds their pins from then on.
     * The roots are not pinned again: by pid and start time, one that died since and whose pid went to a process
     * started in the same clock tick would pass for itself; its own pidfd only fails.
     */
    void freezePinned(List<Member> roots, Map<Integer, Member> members) {
        for (Member m : roots) {
            m.stopped = false; // continued after an earlier freeze: it must be seen stopped again
            members.put(m.pid(), m); // all taken in before any signal: a failure's clean-up finds every one
        }
        for (Member m : roots) {
            stop(m);
        }
        close(members, new ArrayDeque<>(roots));
    }

    /** Closes the tree of the members {@code open} (stopped or about to be): each one's children read once it stopped. */
    private void close(Map<Integer, Member> members, ArrayDeque<Member> open) {
        if (open.isEmpty()) {
            return;
        }
        if (proc.hasChildrenFiles()) {
            closeByChildrenFiles(members, open);
        } else {
            closeByScans(members);
        }
    }

    /**
     * Reads each member's children once it is stopped (then the list is final); members read before
     * they stopped are read again on a later pass. Only the tree is read, not every process.
     */
    private void closeByChildrenFiles(Map<Integer, Member> members, ArrayDeque<Member> open) {
        Stall stall = new Stall();
        for (int pass = 0; !open.isEmpty(); pass++) {
            if (pass > MAX_PASSES || stall.tooLong()) {
                giveUp(open);
                return;
            }
            boolean progress = false;
            for (int n = open.size(); n > 0; n--) {
                Member m = open.poll();
                boolean stopped = m.stopped || (m.stopped = isStopped(m));
                // A member that is gone has no children of its own: its pid may name a stranger now.
                progress |= (!m.gone && addChildren(m, members, open) > 0) || stopped;
                if (!stopped) {
                    open.add(m);
                }
            }
            stall.after(progress);
        }
    }

    private int addChildren(Member parent, Map<Integer, Member> members, ArrayDeque<Member> open) {
        int added = 0;
        for (int pid : proc.children(parent.pid(), parent.threads != 1)) {
            Member kid = isMember(pid, members) ? null : signaller.pinChild(pid, parent.entry);
            if (kid != null) {
                join(kid, members);
                open.add(kid);
                added++;
            }
        }
        return added;
    }

    /**
     * Without children files: wait until every member is stopped, then scan all of /proc; repeat until a
     * scan finds nobody new.
     */
    private void closeByScans(Map<Integer, Member> members) {
        for (int pass = 0; ; pass++) {
            awaitStopped(members.values());
            int added = 0;
            for (ProcEntry e : ProcTable.scan(proc).descendantsOf(liveEntries(members))) {
                Member m = isMember(e.pid, members) ? null : signaller.pin(e);
                if (m != null) {
                    join(m, members);
                    added++;
                }
            }
            if (added == 0) {
                return;
            }
            if (pass > MAX_PASSES) {
                giveUp(members.values());
                return;
            }
        }
    }

    private void awaitStopped(Iterable<Member> members) {
        Stall stall = new Stall();
        for (Member m : members) {
            while (!m.stopped && !(m.stopped = isStopped(m))) {
                if (stall.tooLong()) {
                    Log.debug("not stopped in time: " + m);
                    return;
                }
                stall.after(false);
            }
        }
    }

    /** The members to walk from: a gone member has no children of its own, its pid may name a stranger. */
    private static List<ProcEntry> liveEntries(Map<Integer, Member> members) {
        List<ProcEntry> entries = new ArrayList<>();
        for (Member m : members.values()) {
            if (!m.gone) {
                entries.add(m.entry);
            }
        }
        return entries;
    }

    /** Stopped (every thread), a zombie, or gone: in every case it cannot fork any more. */
    private boolean isStopped(Member m) {
        ProcEntry now = ProcTable.read(proc, m.pid());
        if (m.gone || !m.entry.sameProcess(now)) {
            m.gone = true;
            return true;
        }
        if (now.isZombie()) {
            return true;
        }
        m.threads = now.threads;
        if (now.state == 'D' && now.threads == 1 && inVfork(m.pid())) {
            return true;
        }
        if (now.state != 'T' && now.state != 't') {
            return false;
        }
        if (now.threads > 1) { // the main thread is stopped; another may still be inside fork()
            for (char c : proc.threadStates(m.pid()).toCharArray()) {
                if (c != 'T' && c != 't' && c != 'Z' && c != 'X') {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * A vfork() parent (dash starts commands that way) sleeps in the kernel until its child execs or
     * exits, and cannot stop before; its child is a member, stopped by us, so the parent cannot fork
     * again either. Older kernels name the wait _do_fork, newer ones kernel_clone.
     */
    private boolean inVfork(int pid) {
        String wchan = proc.wchan(pid);
        return wchan.equals("kernel_clone") || wchan.equals("_do_fork") || wchan.contains("vfork");
    }

    /** A live member holds {@code pid} already (a gone one does not: its pid may name a newer process now). */
    private static boolean isMember(int pid, Map<Integer, Member> members) {
        Member known = members.get(pid);
        return known != null && !known.gone;
    }

    /** {@code m}, just pinned, becomes a member and is stopped; a gone member it replaces is let go. */
    private void join(Member m, Map<Integer, Member> members) {
        Member replaced = members.put(m.pid(), m);
        if (replaced != null) {
            signaller.release(replaced); // reaped, and its pid taken by a newer process
        }
        stop(m);
    }

    private void stop(Member m) {
        m.gone = !signaller.signal(m, Syscalls.SIGSTOP);
    }

    private void giveUp(Iterable<Member> unsettled) {
        Log.warn("tree still changing (a process that does not stop, state D?); killing what was found: " + unsettled);
        stats.error();
    }

    /** Backs off while nothing moves (stops take a trip through the scheduler); gives up after a while. */
    private static final class Stall {
        private static final long FIRST_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(20);
        private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

        private long sinceNanos = System.nanoTime();
        private long pauseNanos = FIRST_PAUSE_NANOS;

        void after(boolean progress) {
            if (progress) {
                sinceNanos = System.nanoTime();
                pauseNanos = FIRST_PAUSE_NANOS;
            } else {
                LockSupport.parkNanos(pauseNanos);
                pauseNanos = Math.min(pauseNanos * 2, MAX_PAUSE_NANOS);
            }
        }

        boolean tooLong() {
            return System.nanoTime() - sinceNanos > MAX_STALL_NANOS;
        }
    }
}
