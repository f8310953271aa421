package dev.treekill.agent.reaping;

import dev.treekill.agent.log.Log;
import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.proc.ProcSource;
import dev.treekill.agent.proc.ProcTable;
import dev.treekill.agent.signal.Member;
import dev.treekill.agent.starts.StartedProcesses;
import dev.treekill.agent.sys.ErrnoException;
import dev.treekill.agent.sys.Syscalls;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reaps zombies re-parented to this JVM (when it is PID 1, or a subreaper): the JDK only reaps the
 * processes it started, so without this they would pile up forever. It reaps one specific child at a
 * time (waitid on its pidfd or pid, never waitpid(-1)) and never a pid the JDK's reaper may be waiting
 * for: not one the JDK started (the zombie as seen, by its start time: if the JDK reaped it meanwhile, its pid may
 * be the JDK's next child's already), and not one that a start still under way may have forked (a child exists
 * from fork() on, before the JDK knows its pid). A zombie that is neither only this reaper takes, so by pid is safe.
 *
 * <p>The rule for a zombie child that is not registered: every start that could have forked it began
 * before it was seen, i.e. has a number at most {@code begun} read right after seeing it. Once every such
 * start has ended, a JDK child would be registered; so it is not one. A zombie seen while an older start
 * was still under way is remembered and reaped on a later pass, so busy starts delay reaping, never stop it.
 */
public final class OrphanReaper {
    private final Syscalls sys;
    private final ProcSource proc;
    private final StartedProcesses started;
    private final int self;
    /** Zombies seen on an earlier pass, by pid. */
    private final Map<Integer, SeenZombie> seen = new HashMap<>();

    /** A zombie seen on a pass while a start that may have forked it was under way. */
    private static final class SeenZombie {
        /** Its start time (clock ticks): the same pid later is another process unless this matches. */
        final long startTicks;
        /** The number of the last start begun, read right after seeing it (see the rule above). */
        final long begunWhenSeen;

        SeenZombie(long startTicks, long begunWhenSeen) {
            this.startTicks = startTicks;
            this.begunWhenSeen = begunWhenSeen;
        }
    }

    public OrphanReaper(Syscalls sys, ProcSource proc, StartedProcesses started) {
        this.sys = sys;
        this.proc = proc;
        this.started = started;
        this.self = sys.selfPid();
    }

    /** Reaps every zombie child of this JVM that the JDK did not start and that is safe to take now; how many. */
    public synchronized int reapAdopted() {
        started.forgetGoneChildrenOfBeforeAttach(proc);
        started.refresh();
        List<Member> children = new ArrayList<>();
        for (int pid : ProcTable.childPids(proc, self)) {
            ProcEntry e = ProcTable.read(proc, pid);
            if (e != null) {
                children.add(new Member(e, Member.NO_PIDFD));
            }
        }
        int reaped = reap(children).reaped();
        seen.keySet().retainAll(pidsOf(children));
        return reaped;
    }

    /**
     * Reaps those of {@code members} that are zombie children of this JVM the JDK did not start, and that are
     * safe to take now; the others are left for a later pass. Synchronized:
     * a pid this reaper freed may be taken by a new child at once, so two reapers must not race between
     * looking and reaping.
     */
    public synchronized ReapPass reap(List<Member> members) {
        List<Member> zombies = new ArrayList<>();
        for (Member m : members) {
            ProcEntry now = ProcTable.read(proc, m.pid());
            if (now != null && now.isZombie() && now.ppid == self && m.entry.sameProcess(now)) {
                zombies.add(m);
            }
        }
        long begunWhenSeen = started.startsBegun();
        long oldest = started.oldestInFlight();
        int reaped = 0;
        int later = 0;
        for (Member m : zombies) {
            SeenZombie before = seen.get(m.pid());
            boolean sameZombie = before != null && before.startTicks == m.entry.startTime;
            boolean seenEarlier = sameZombie && before.begunWhenSeen < oldest;
            if (!seenEarlier && begunWhenSeen >= oldest) {
                if (!sameZombie) {
                    seen.put(m.pid(), new SeenZombie(m.entry.startTime, begunWhenSeen));
                }
                later++;
                continue; // a start that may have forked it is still under way: later
            }
            if (started.startedByJdk(m.entry)) {
                continue; // only the JDK may collect this one, even if it did so since: its pid may be its next child's
            }
            try {
                if (sys.reapChild(m.pidfd, m.pid())) {
                    reaped++;
                    seen.remove(m.pid());
                }
            } catch (ErrnoException e) {
                Log.debug("waitid(" + m.pid() + "): errno " + e.errno()); // ECHILD: gone already
            }
        }
        return new ReapPass(reaped, later);
    }

    private static Set<Integer> pidsOf(List<Member> members) {
        Set<Integer> pids = new HashSet<>();
        for (Member m : members) {
            pids.add(m.pid());
        }
        return pids;
    }
}
