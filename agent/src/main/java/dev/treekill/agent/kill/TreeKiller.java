package dev.treekill.agent.kill;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.sys.Syscalls;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The Linux engine: freeze the tree ({@link TreeFreezer}), SIGKILL every member through its pidfd, and
 * wait, zombie-aware ({@link ExitWaiter}).
 */
public final class TreeKiller implements Engine {
    private final ProcSource proc;
    private final Signaller signaller;
    private final ExitWaiter waiter;
    private final TreeFreezer freezer;
    private final KillStats stats;

    public TreeKiller(Syscalls sys, ProcSource proc, KillStats stats) {
        this.proc = proc;
        this.signaller = new Signaller(sys, proc);
        this.waiter = new ExitWaiter(sys, proc);
        this.freezer = new TreeFreezer(proc, signaller, stats);
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
        stats.started();
        List<Member> members = new ArrayList<>();
        try {
            members = freeze(rootPid);
            long frozen = System.nanoTime();
            int signalled = 0;
            for (Member m : members) {
                if (signaller.signal(m, Syscalls.SIGKILL)) {
                    signalled++;
                } else {
                    m.unsignalled = true;
                }
            }
            if (Log.enabled(Log.Level.DEBUG)) {
                Log.debug("tree of pid " + rootPid + ": froze " + members.size() + " processes in "
                        + (frozen - start) / 1000 + " us, SIGKILL to " + signalled + " in " + (System.nanoTime() - frozen) / 1000 + " us");
            }
            return new PendingKill(rootPid, trigger, start, members, signalled);
        } catch (RuntimeException | Error e) {
            // Never leave a tree stopped: whatever was pinned was meant to die.
            for (Member m : members) {
                signaller.signal(m, Syscalls.SIGKILL);
                signaller.release(m);
            }
            stats.abandoned();
            throw e;
        }
    }

    @Override
    public KillResult await(PendingKill kill, Deadline deadline) {
        try {
            List<Member> alive = waiter.await(kill.members, deadline.warnAtNanos(kill.startNanos), deadline.endNanos(kill.startNanos),
                    warnStillAlive(kill, deadline));
            long[] survivors = new long[alive.size()];
            for (int i = 0; i < survivors.length; i++) {
                survivors[i] = alive.get(i).pid();
            }
            KillResult result = new KillResult(kill.rootPid, kill.signalled, kill.members.size() - alive.size(),
                    survivors, (System.nanoTime() - kill.startNanos) / 1e6, !alive.isEmpty(), kill.trigger);
            stats.finished(result);
            if (result.timedOut) {
                Log.warn("tree of pid " + kill.rootPid + ": " + survivors.length + " processes still alive after "
                        + deadline.timeoutMillis + " ms: " + java.util.Arrays.toString(survivors));
            } else if (Log.enabled(Log.Level.INFO)) {
                Log.info("tree of pid " + kill.rootPid + " gone: " + result);
            }
            return result;
        } catch (RuntimeException | Error e) {
            stats.abandoned();
            throw e;
        } finally {
            for (Member m : kill.members) {
                signaller.release(m);
            }
        }
    }

    /** A class, not a lambda: the first lambda a JVM links costs milliseconds, and the first kill is timed. */
    private static Consumer<List<Member>> warnStillAlive(PendingKill kill, Deadline deadline) {
        return new Consumer<List<Member>>() {
            @Override
            public void accept(List<Member> alive) {
                Log.warn("tree of pid " + kill.rootPid + ": " + alive.size() + " processes still alive after "
                        + (System.nanoTime() - kill.startNanos) / 1_000_000 + " ms (giving up at "
                        + deadline.timeoutMillis + " ms): " + alive);
            }
        };
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

    /** Stops the tree of {@code rootPid}; the members, root first, or none if the root is gone. */
    List<Member> freeze(long rootPid) {
        checkAllowed(rootPid);
        ProcEntry root = ProcTable.read(proc, (int) rootPid);
        return root == null ? new ArrayList<>() : freezer.freeze(root);
    }

    private void checkAllowed(long rootPid) {
        String refusal = refusal(rootPid);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
    }
}
