package dev.treekill.agent.portable;

import dev.treekill.agent.engine.AbstractEngine;
import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.TreeQueries;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.signal.Member;
import dev.treekill.agent.signal.Refusal;
import dev.treekill.agent.signal.Signaller;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.JdkSyscalls;
import dev.treekill.agent.sys.Syscalls;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The engine where /proc and pidfds cannot be had (not Linux, or JNA refused to load): the JDK's
 * ProcessHandle API. No freezing (forks during the kill may escape) and no zombie awareness (the JDK
 * counts a zombie as alive), but the JDK compares the start time a handle was made with right before kill(2), so a
 * reused pid is not signalled unless its new process started within the same clock tick (the start time's unit on
 * Linux, 10 ms) and in the instant between that check and the kill. Its members
 * hold a JDK handle each, and the {@link Signaller} sends their signals through it ({@link JdkSyscalls}).
 */
public final class PortableTreeKiller extends AbstractEngine {
    /** What the JDK started here, to tell the starts marked spared; null: none known. */
    private final StartedProcesses started;
    private final Signaller signaller = new Signaller(new JdkSyscalls(), ProcSource.system());
    private final long self = ProcessHandle.current().pid();

    public PortableTreeKiller(KillStats stats) {
        this(stats, null);
    }

    public PortableTreeKiller(KillStats stats, StartedProcesses started) {
        super(stats);
        this.started = started;
    }

    @Override
    public String refusal(long pid) {
        return Refusal.of(pid, self, Refusal.ancestorsByJdk());
    }

    /** The JDK's handles carry the start time: the handle itself is the identity, checked on every signal. */
    @Override
    public Target identify(ProcessHandle handle) {
        Optional<ProcessHandle> now = ProcessHandle.of(handle.pid());
        return now.isPresent() && handle.equals(now.get()) ? Target.identified(handle.pid(), ProcEntry.UNKNOWN_START, handle)
                : null;
    }

    @Override
    public Target identify(long pid) {
        Optional<ProcessHandle> now = pid <= 0 ? Optional.empty() : ProcessHandle.of(pid);
        return now.isPresent() ? Target.identified(pid, ProcEntry.UNKNOWN_START, now.get()) : null;
    }

    /** Without /proc there are no cookies to read and no orphans to reap: the target's tree only. */
    @Override
    public PendingKill kill(Target target, Trigger trigger) {
        List<Member> tree = targetTree(target);
        long start = System.nanoTime();
        int signalled = signal(tree, Syscalls.SIGKILL);
        stats.started();
        return new PendingKill(this, target, ProcEntry.UNKNOWN_START, trigger, start, tree, signalled);
    }

    @Override
    public PendingKill terminate(Target target, Trigger trigger) {
        List<Member> tree = targetTree(target);
        long start = System.nanoTime();
        return new PendingKill(this, target, ProcEntry.UNKNOWN_START, trigger, start, tree, signal(tree, Syscalls.SIGTERM));
    }

    @Override
    public PendingKill snapshot(Target target, Trigger trigger) {
        return new PendingKill(this, target, ProcEntry.UNKNOWN_START, trigger, System.nanoTime(), targetTree(target), 0);
    }

    /** SIGKILL or SIGTERM to each (through its handle); how many were sent. */
    private int signal(List<Member> members, int signal) {
        int signalled = 0;
        for (Member m : members) {
            if (signaller.signal(m, signal)) {
                signalled++;
            }
        }
        return signalled;
    }

    private List<Member> targetTree(Target target) {
        if (target.leftBehindByDeadJvm()) {
            return new ArrayList<>(); // no cookies here: nothing of a dead JVM's can be found
        }
        if (target.ownDescendants()) {
            if (target.rootPid() != ProcessHandle.current().pid()) {
                throw new IllegalArgumentException("every child tree of pid " + target.rootPid()
                        + " asked for, but only this JVM's can be killed so");
            }
            // A target that spares marked starts leaves their trees alone, as the Linux engine does.
            List<Member> all = new ArrayList<>();
            for (ProcessHandle child : (Iterable<ProcessHandle>) ProcessHandle.current().children()::iterator) {
                if (!target.sparesMarked() || started == null || !started.isSparedChild(child.pid())) {
                    all.addAll(tree(child));
                }
            }
            return all;
        }
        requireAllowed(target.rootPid());
        if (!target.rootAlive()) {
            return new ArrayList<>();
        }
        if (target.handle() != null) {
            return tree(target.handle());
        }
        Optional<ProcessHandle> root = ProcessHandle.of(target.rootPid());
        return root.isPresent() ? tree(root.get()) : new ArrayList<>();
    }

    /** The root and its descendants; nothing if the handle is stale (the JDK compares its start time). */
    private static List<Member> tree(ProcessHandle root) {
        List<Member> tree = new ArrayList<>();
        if (root.isAlive()) {
            tree.add(member(root));
            root.descendants().forEach(h -> tree.add(member(h)));
        }
        return tree;
    }

    /** A process as the JDK shows it: no state, no threads, no start time in clock ticks (the handle holds its own). */
    private static Member member(ProcessHandle h) {
        ProcEntry entry = new ProcEntry((int) h.pid(), h.parent().map(p -> (int) p.pid()).orElse(0), ProcEntry.UNREAD_STATE,
                0, ProcEntry.UNKNOWN_START, h.info().command().orElse(ProcEntry.UNREAD_COMMAND));
        Member m = new Member(entry, Member.NO_PIDFD);
        m.handle = h;
        return m;
    }

    /** Waits for each member's handle until {@code untilNanos}: there is no warning without /proc to tell zombies. */
    @Override
    protected List<Member> waitFor(PendingKill kill, long warnAtNanos, long untilNanos, Deadline deadline) {
        List<Member> alive = new ArrayList<>();
        for (Member m : kill.members()) {
            if (!waitFor(m.handle, untilNanos)) {
                alive.add(m);
            }
        }
        return alive;
    }

    private static boolean waitFor(ProcessHandle h, long untilNanos) {
        try {
            h.onExit().get(Math.max(0, untilNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return !h.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !h.isAlive();
        }
    }

    /** ProcessHandles hold nothing. */
    @Override
    protected void release(Member member) {
    }

    @Override
    protected PendingKill killTreesOf(PendingKill terminated, List<Member> roots) {
        long start = System.nanoTime();
        List<Member> kill = new ArrayList<>();
        for (Member m : roots) {
            kill.addAll(tree(m.handle)); // the handle the terminate took, not one looked up again by pid
        }
        return new PendingKill(this, terminated.target(), ProcEntry.UNKNOWN_START, terminated.trigger(), start, kill,
                signal(kill, Syscalls.SIGKILL));
    }

    @Override
    public int reapOrphans() {
        return 0;
    }

    @Override
    public List<ProcEntry> ownDescendants() {
        List<ProcEntry> rows = rows(tree(ProcessHandle.current()));
        rows.remove(0);
        return rows;
    }

    @Override
    public List<ProcEntry> describe(long rootPid) {
        TreeQueries.requirePid(rootPid);
        Optional<ProcessHandle> root = ProcessHandle.of(rootPid);
        return root.isPresent() ? rows(tree(root.get())) : new ArrayList<>();
    }

    private static List<ProcEntry> rows(List<Member> members) {
        List<ProcEntry> rows = new ArrayList<>();
        for (Member m : members) {
            rows.add(m.entry);
        }
        return rows;
    }
}
