package dev.treekill.agent.kill;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.Syscalls;
import java.util.ArrayList;
import java.util.List;

/**
 * Reaps zombies re-parented to this JVM (when it is PID 1, or a subreaper): the JDK only reaps the
 * processes it started, so without this they would pile up forever. It reaps one specific child at a
 * time (waitid on its pidfd or pid, never waitpid(-1)) and never a pid the JDK's reaper may be waiting
 * for: not one the JDK started and has not reaped yet, and nothing at all while a start is under way
 * (the child exists from fork() on, before the JDK knows its pid).
 */
public final class OrphanReaper {
    private final Syscalls sys;
    private final ProcSource proc;
    private final StartedProcesses started;
    private final int self;

    OrphanReaper(Syscalls sys, ProcSource proc, StartedProcesses started) {
        this.sys = sys;
        this.proc = proc;
        this.started = started;
        this.self = sys.selfPid();
    }

    /** Reaps every zombie child of this JVM that the JDK did not start; returns how many. */
    public int reapAdopted() {
        List<Member> children = new ArrayList<>();
        int[] pids = proc.children(self, true);
        started.forgetUntrackedExcept(pids);
        for (int pid : pids) {
            ProcEntry e = ProcTable.read(proc, pid);
            if (e != null) {
                children.add(new Member(e, -1));
            }
        }
        return reap(children);
    }

    /** Reaps those of {@code members} that are zombie children of this JVM the JDK did not start. */
    int reap(List<Member> members) {
        // The order matters: a start counts itself in flight before it counts as begun, so a start that
        // began before the first read is still in flight there, and one that began later changes `begun`.
        long begun = started.startsBegun();
        if (started.startsInFlight() != 0) {
            return 0;
        }
        List<Member> zombies = new ArrayList<>();
        for (Member m : members) {
            ProcEntry now = ProcTable.read(proc, m.pid());
            if (now != null && now.isZombie() && now.ppid == self && m.entry.sameProcess(now)
                    && !started.reapedByJdk(now.pid)) {
                zombies.add(m);
            }
        }
        if (zombies.isEmpty() || started.startsBegun() != begun) {
            return 0; // a start began meanwhile: its child may be among these, not yet registered
        }
        int reaped = 0;
        for (Member m : zombies) {
            try {
                if (sys.reapChild(m.pidfd, m.pid())) {
                    reaped++;
                }
            } catch (ErrnoException e) {
                Log.debug("waitid(" + m.pid() + "): errno " + e.errno()); // ECHILD: reaped by someone else
            }
        }
        return reaped;
    }
}
