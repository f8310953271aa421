package dev.treekill.agent.kill;

import dev.treekill.agent.proc.Environ;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds the processes that left a tree but belong to it: those still carrying its cookie (same user,
 * started after the root: only those are worth reading the environment of), and, where this JVM adopts
 * orphans (PID 1 or a subreaper), the adopted orphans that carry no cookie and started after the root.
 */
final class Escapees {
    private final ProcSource proc;
    private final int self;
    private final StartedProcesses started;
    private final boolean adoptsOrphans;
    private final int selfUid;
    private final long selfStartTicks;

    Escapees(ProcSource proc, int self, StartedProcesses started, boolean adoptsOrphans) {
        this.proc = proc;
        this.self = self;
        this.started = started;
        this.adoptsOrphans = adoptsOrphans;
        this.selfUid = proc.uid(self);
        ProcEntry me = ProcTable.read(proc, self);
        this.selfStartTicks = me == null ? 0 : me.startTime;
    }

    /** Whether any process could belong to {@code target} without being in its tree. */
    boolean mayExist(Target target) {
        return target.cookie != null || target.allDescendants || (adoptsOrphans && target.claimsOrphans());
    }

    /**
     * The live processes that belong to {@code target} and are not among {@code members}; {@code rootStart}
     * is the root's start time if it is known (clock ticks), else -1.
     */
    List<ProcEntry> find(Target target, long rootStart, Map<Integer, Member> members) {
        List<ProcEntry> found = new ArrayList<>();
        if (!mayExist(target)) {
            return found;
        }
        boolean byCookie = target.cookie != null || target.allDescendants;
        // Without cookies only this JVM's own children can be adopted orphans: no need to read the rest.
        int[] pids = byCookie ? proc.pids() : proc.children(self, true);
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

    private boolean claims(Target target, ProcEntry e) {
        if (proc.uid(e.pid) != selfUid) {
            return false; // not ours to read or to kill
        }
        String environ = proc.environ(e.pid);
        if (environ == null) {
            return false; // gone, or unreadable: nothing proves it ours
        }
        String cookie = Environ.valueOf(environ, StartedProcesses.COOKIE_VARIABLE);
        if (cookie != null) {
            // A changed cookie is an opt-out; an inherited one of another JVM is not ours either.
            return target.allDescendants ? started.isOurs(cookie) : cookie.equals(target.cookie);
        }
        return adoptsOrphans && target.claimsOrphans() && e.ppid == self && !started.reapedByJdk(e.pid);
    }
}
