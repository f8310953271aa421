package dev.treekill.agent.kill;

import dev.treekill.agent.proc.ProcEntry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Optional;
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
    private final long self = ProcessHandle.current().pid();

    public PortableTreeKiller(KillStats stats) {
        this.stats = stats;
    }

    private static final class HandleKill extends PendingKill {
        final List<ProcessHandle> handles;

        HandleKill(long rootPid, String trigger, long start, List<ProcessHandle> handles, int signalled) {
            super(rootPid, trigger, start, List.of(), signalled);
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
        List<ProcessHandle> tree = new ArrayList<>();
        ProcessHandle.of(rootPid).ifPresent(root -> {
            tree.add(root);
            root.descendants().forEach(tree::add);
        });
        return tree;
    }

    @Override
    public PendingKill kill(long rootPid, String trigger) {
        checkAllowed(rootPid);
        long start = System.nanoTime();
        List<ProcessHandle> tree = tree(rootPid);
        int signalled = 0;
        for (ProcessHandle h : tree) {
            if (h.pid() != self && h.destroyForcibly()) {
                signalled++;
            }
        }
        stats.started();
        return new HandleKill(rootPid, trigger, start, tree, signalled);
    }

    @Override
    public KillResult await(PendingKill kill, Deadline deadline) {
        List<ProcessHandle> handles = ((HandleKill) kill).handles;
        List<Long> alive = new ArrayList<>();
        for (ProcessHandle h : handles) {
            long left = deadline.endNanos(kill.startNanos) - System.nanoTime();
            try {
                h.onExit().get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                alive.add(h.pid());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                alive.add(h.pid());
            }
        }
        KillResult result = new KillResult(kill.rootPid, kill.signalled, handles.size() - alive.size(),
                alive.stream().mapToLong(Long::longValue).toArray(), (System.nanoTime() - kill.startNanos) / 1e6,
                !alive.isEmpty(), kill.trigger);
        stats.finished(result);
        return result;
    }

    @Override
    public int terminate(long rootPid) {
        checkAllowed(rootPid);
        int signalled = 0;
        for (ProcessHandle h : tree(rootPid)) {
            if (h.pid() != self && h.destroy()) {
                signalled++;
            }
        }
        return signalled;
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
