package dev.treekill.agent.portable;

import dev.treekill.agent.engine.Deadline;
import dev.treekill.agent.engine.Engine;
import dev.treekill.agent.engine.KillResult;
import dev.treekill.agent.engine.KillStats;
import dev.treekill.agent.engine.PendingKill;
import dev.treekill.agent.engine.Target;
import dev.treekill.agent.engine.Trigger;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.signal.Signaller;
import dev.treekill.agent.starts.StartedProcesses;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The engine where /proc and pidfds cannot be had (not Linux, or JNA refused to load): the JDK's
 * ProcessHandle API. No freezing (forks during the kill may escape) and no zombie awareness (the JDK
 * counts a zombie as alive), but the JDK checks start times, so a reused pid is never signalled.
 */
public final class PortableTreeKiller implements Engine {
    private final KillStats stats;
    /** What the JDK started here, to tell the shutdown's own starts at exit; null: none known. */
    private final StartedProcesses started;
    private final long self = ProcessHandle.current().pid();

    public PortableTreeKiller(KillStats stats) {
        this(stats, null);
    }

    public PortableTreeKiller(KillStats stats, StartedProcesses started) {
        this.stats = stats;
        this.started = started;
    }

    private static final class HandleKill extends PendingKill {
        final List<ProcessHandle> handles;

        HandleKill(Target target, Trigger trigger, long start, List<ProcessHandle> handles, int signalled) {
            super(target, -1, trigger, start, List.of(), signalled);
            this.handles = handles;
        }
    }

    @Override
    public KillStats stats() {
        return stats;
    }

    @Override
    public String refusal(long pid) {
        Set<Integer> ancestors = new HashSet<>();
        Optional<ProcessHandle> p = ProcessHandle.current().parent();
        for (int i = 0; p.isPresent() && i < 4096 && ancestors.add((int) p.get().pid()); i++) {
            p = p.get().parent();
        }
        return Signaller.refusal(pid, self, ancestors);
    }

    private void checkAllowed(long pid) {
        String refusal = refusal(pid);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
    }

    private List<ProcessHandle> tree(long rootPid) {
        Optional<ProcessHandle> root = ProcessHandle.of(rootPid);
        return root.isPresent() ? tree(root.get()) : new ArrayList<>();
    }

    /** The root and its descendants; nothing if the handle is stale (the JDK compares its start time). */
    private static List<ProcessHandle> tree(ProcessHandle root) {
        List<ProcessHandle> tree = new ArrayList<>();
        if (root.isAlive()) {
            tree.add(root);
            root.descendants().forEach(tree::add);
        }
        return tree;
    }

    /** The JDK's handles carry the start time: the handle itself is the identity, checked on every signal. */
    @Override
    public Target identify(ProcessHandle handle) {
        Optional<ProcessHandle> now = ProcessHandle.of(handle.pid());
        return now.isPresent() && handle.equals(now.get()) ? Target.identified(handle.pid(), -1, handle) : null;
    }

    @Override
    public Target identify(long pid) {
        Optional<ProcessHandle> now = pid <= 0 ? Optional.empty() : ProcessHandle.of(pid);
        return now.isPresent() ? Target.identified(pid, -1, now.get()) : null;
    }

    /** Without /proc there are no cookies to read and no orphans to reap: the target's tree only. */
    @Override
    public PendingKill kill(Target target, Trigger trigger) {
        List<ProcessHandle> tree = targetTree(target);
        long start = System.nanoTime();
        int signalled = signal(tree, true);
        stats.started();
        return new HandleKill(target, trigger, start, tree, signalled);
    }

    /** SIGKILL ({@code forcibly}) or SIGTERM to each, never to this JVM; how many were sent. */
    private int signal(List<ProcessHandle> handles, boolean forcibly) {
        int signalled = 0;
        for (ProcessHandle h : handles) {
            if (h.pid() != self && (forcibly ? h.destroyForcibly() : h.destroy())) {
                signalled++;
            }
        }
        return signalled;
    }

    private List<ProcessHandle> targetTree(Target target) {
        if (target.allDescendants) {
            // At exit, the trees the shutdown's own work started are spared, as the Linux engine spares them.
            List<ProcessHandle> all = new ArrayList<>();
            ProcessHandle.current().children().forEach(child -> {
                if (!target.sparesShutdownStarts || started == null || started.wasRunningWhenShutdownBegan(child.pid())) {
                    all.addAll(tree(child));
                }
            });
            return all;
        }
        checkAllowed(target.rootPid);
        if (!target.rootAlive) {
            return new ArrayList<>();
        }
        return target.handle != null ? tree(target.handle) : tree(target.rootPid);
    }

    @Override
    public KillResult await(PendingKill kill, Deadline deadline) {
        KillResult result = waitFor(kill, deadline);
        stats.finished(result);
        return result;
    }

    private static KillResult waitFor(PendingKill kill, Deadline deadline) {
        List<ProcessHandle> handles = ((HandleKill) kill).handles;
        List<Long> alive = new ArrayList<>();
        for (ProcessHandle h : handles) {
            if (!waitFor(h, deadline.endNanos(kill.startNanos))) {
                alive.add(h.pid());
            }
        }
        return new KillResult(kill.rootPid, kill.signalled, handles.size() - alive.size(),
                alive.stream().mapToLong(Long::longValue).toArray(), (System.nanoTime() - kill.startNanos) / 1e6,
                !alive.isEmpty(), kill.trigger);
    }

    @Override
    public PendingKill terminate(Target target, Trigger trigger) {
        List<ProcessHandle> tree = targetTree(target);
        long start = System.nanoTime();
        return new HandleKill(target, trigger, start, tree, signal(tree, false));
    }

    @Override
    public PendingKill snapshot(Target target, Trigger trigger) {
        List<ProcessHandle> tree = targetTree(target);
        return new HandleKill(target, trigger, System.nanoTime(), tree, 0);
    }

    @Override
    public void release(PendingKill terminated) {
        // ProcessHandles hold nothing.
    }

    @Override
    public KillResult escalate(PendingKill terminated, long graceMillis, Deadline deadline) {
        stats.started(); // one tree kill, from the SIGTERM on
        long graceEnd = Deadline.after(terminated.startNanos, graceMillis);
        List<ProcessHandle> alive = new ArrayList<>();
        for (ProcessHandle h : ((HandleKill) terminated).handles) {
            if (!waitFor(h, graceEnd)) {
                alive.add(h);
            }
        }
        long start = System.nanoTime();
        List<ProcessHandle> kill = new ArrayList<>();
        for (ProcessHandle h : alive) {
            kill.addAll(tree(h.pid()));
        }
        int signalled = signal(kill, true);
        KillResult last = waitFor(new HandleKill(terminated.target, terminated.trigger, start, kill, signalled), deadline);
        KillResult result = new KillResult(terminated.rootPid, terminated.signalled,
                ((HandleKill) terminated).handles.size() - alive.size() + last.exited, last.survivors,
                (System.nanoTime() - terminated.startNanos) / 1e6, last.timedOut, terminated.trigger);
        stats.finished(result, signalled);
        return result;
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

    @Override
    public int reapOrphans() {
        return 0;
    }

    @Override
    public List<ProcEntry> ownDescendants() {
        List<ProcEntry> rows = rows(tree(self));
        rows.remove(0);
        return rows;
    }

    @Override
    public List<ProcEntry> describe(long rootPid) {
        if (rootPid <= 0 || rootPid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pid " + rootPid + " is not a process id");
        }
        return rows(tree(rootPid));
    }

    private static List<ProcEntry> rows(List<ProcessHandle> handles) {
        List<ProcEntry> rows = new ArrayList<>();
        for (ProcessHandle h : handles) {
            rows.add(new ProcEntry((int) h.pid(), h.parent().map(p -> (int) p.pid()).orElse(0), '?', 0,
                    h.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L), h.info().command().orElse("?")));
        }
        return rows;
    }
}
