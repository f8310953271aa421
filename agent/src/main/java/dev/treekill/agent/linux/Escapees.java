package dev.treekill.agent.linux;

import dev.treekill.agent.engine.Target;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.signal.Member;
import dev.treekill.agent.starts.Cookies;
import dev.treekill.agent.starts.StartedProcesses;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds the processes that left a tree but belong to it: those still carrying its cookie, or one a nested
 * JVM with the agent minted beneath it (see {@link Cookies}) (same user,
 * started after the root: only those are worth reading the environment of), and, where this JVM adopts
 * orphans (PID 1 or a subreaper), adopted orphans without a cookie: all of them for the whole JVM; for
 * one process the JDK started only under a subreaper with cookies off, and only when no other process the
 * JDK started was alive when the orphan started. With cookies on, a cookie-less orphan cleared its
 * environment, and nothing says whose it is; as PID 1, orphans may come from anywhere (docker exec).
 */
public final class Escapees {
    private final ProcSource proc;
    private final int self;
    private final StartedProcesses started;
    private final boolean adoptsOrphans;
    private final boolean subreaper;
    private final boolean cookies;
    private final int selfUid;
    private final long selfStartTicks;
    /** The cookie this JVM itself was started with (a parent JVM's), or null; read on first need. */
    private volatile String[] inherited;

    public Escapees(ProcSource proc, int self, StartedProcesses started, boolean adoptsOrphans, boolean subreaper,
            boolean cookies) {
        this.proc = proc;
        this.self = self;
        this.started = started;
        this.adoptsOrphans = adoptsOrphans;
        this.subreaper = subreaper;
        this.cookies = cookies;
        this.selfUid = proc.uid(self);
        ProcEntry me = ProcTable.read(proc, self);
        this.selfStartTicks = me == null ? 0 : me.startTime;
    }

    /** Whether any process could belong to {@code target} without being in its tree. */
    public boolean mayExist(Target target) {
        return target.cookie != null || target.allDescendants || takesCookielessOrphans(target);
    }

    private boolean takesCookielessOrphans(Target target) {
        return subreaper && !cookies && target.record != null;
    }

    /**
     * The live processes that belong to {@code target} and are not among {@code members}; {@code rootStart}
     * is the root's start time if it is known (clock ticks), else -1.
     */
    public List<ProcEntry> find(Target target, long rootStart, Map<Integer, Member> members) {
        List<ProcEntry> found = new ArrayList<>();
        if (!mayExist(target)) {
            return found;
        }
        boolean byCookie = target.cookie != null || target.allDescendants;
        // Without cookies only this JVM's own children can be adopted orphans: no need to read the rest.
        return find(target, rootStart, members, byCookie ? proc.pids() : ProcTable.childPids(proc, self));
    }

    /** {@link #find(Target, long, Map)} among the processes {@code pids} only. */
    public List<ProcEntry> find(Target target, long rootStart, Map<Integer, Member> members, int[] pids) {
        List<ProcEntry> found = new ArrayList<>();
        long notBefore = rootStart >= 0 ? rootStart : selfStartTicks;
        for (int pid : pids) {
            Member known = members.get(pid);
            if (pid <= 1 || pid == self || (known != null && !known.gone)) {
                continue;
            }
            ProcEntry e = ProcTable.read(proc, pid);
            if (e != null && !e.isZombie() && e.startTime >= notBefore && claims(target, e)) {
                found.add(e);
            }
        }
        return found;
    }

    /**
     * Whether {@code child}, a child of this JVM, opted out: with cookies on, it carries a cookie that is
     * neither one this JVM handed out nor the one it inherited. Such a child outlives exitKill.
     */
    public boolean optedOut(ProcEntry child) {
        if (!cookies) {
            return false;
        }
        return isOptOut(cookieIn(proc.environ(child.pid)));
    }

    /** A cookie set on purpose: neither one this JVM handed out nor the one it inherited. */
    private boolean isOptOut(String cookie) {
        return cookie != null && !started.isOurs(cookie) && !cookie.equals(inherited());
    }

    private static String cookieIn(String environ) {
        return Cookies.in(environ);
    }

    private String inherited() {
        String[] known = inherited;
        if (known == null) {
            known = new String[] {cookieIn(proc.environ(self))};
            inherited = known;
        }
        return known[0];
    }

    private boolean claims(Target target, ProcEntry e) {
        if (proc.uid(e.pid) != selfUid) {
            return false; // not ours to read or to kill
        }
        String environ = proc.environ(e.pid);
        if (environ == null) {
            return false; // gone, or unreadable: nothing proves it ours
        }
        String cookie = cookieIn(environ);
        if (started.isOurs(cookie) || isOptOut(cookie)) {
            // One of ours decides (the target's own, or one a nested JVM minted beneath it); any other is an
            // opt-out (or a stranger's).
            if (!target.allDescendants) {
                return Cookies.isBeneath(cookie, target.cookie);
            }
            return started.isOurs(cookie) && !(target.sparesShutdownStarts && started.startedDuringShutdown(cookie));
        }
        // No cookie, or only the one this JVM inherited (which every process it did not tag carries): only
        // as an orphan adopted here can it be one of ours.
        if (!adoptsOrphans || e.ppid != self || started.startedByJdk(e.pid)) {
            return false;
        }
        return target.allDescendants
                || (takesCookielessOrphans(target) && started.onlyPossibleOrigin(target.record, e.startTime));
    }
}
