package dev.treekill.agent.engine;

import dev.treekill.agent.signal.Member;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * What every engine does alike, written once: the wait of a kill (counted and logged), and the escalation of a
 * terminate (wait out the grace, then kill what is left with the trees it has now, as one kill). The engines
 * supply how they wait and how they kill.
 */
public abstract class AbstractEngine implements Engine {
    protected final KillStats stats;

    protected AbstractEngine(KillStats stats) {
        this.stats = stats;
    }

    /**
     * Waits for {@code kill}'s members until {@code untilNanos} (System.nanoTime), warning at {@code warnAtNanos}
     * (never, if it is {@code untilNanos}), and reaps those that became this JVM's orphans. Returns the members still
     * alive. Lets go of nothing: the caller releases each member once ({@link #release(Member)}).
     */
    protected abstract List<Member> waitFor(PendingKill kill, long warnAtNanos, long untilNanos, Deadline deadline);

    /**
     * Kills, as one kill of {@code terminated}'s target, the trees {@code roots} (its survivors, still pinned) have
     * now. The kill takes the roots' pins over: each root becomes one of its members, or, if it throws, is released
     * (as is every member it had taken).
     */
    protected abstract PendingKill killTreesOf(PendingKill terminated, List<Member> roots);

    /** Lets go of {@code member}'s pin (its pidfd); a member let go holds none, so a second call does nothing. */
    protected abstract void release(Member member);

    @Override
    public void release(PendingKill kill) {
        for (Member m : kill.members()) {
            release(m);
        }
    }

    @Override
    public KillResult await(PendingKill kill, Deadline deadline) {
        try {
            long end = deadline.endNanos(kill.startNanos());
            List<Member> alive;
            try {
                alive = waitFor(kill, deadline.warnAtNanos(kill.startNanos()), end, deadline);
            } finally {
                release(kill);
            }
            return KillLog.finished(stats, kill.target(), KillResult.of(kill, alive), kill.signalled(), deadline);
        } catch (RuntimeException | Error e) {
            stats.abandoned();
            throw e;
        }
    }

    @Override
    public KillResult escalate(PendingKill terminated, long graceMillis, Deadline deadline) {
        stats.started(); // one tree kill, from the SIGTERM on
        try {
            List<Member> alive = survivorsOf(terminated, Deadline.after(terminated.startNanos(), graceMillis), deadline);
            // The survivors' trees now, not as they were: a SIGTERM handler may have started processes. The survivors
            // themselves keep their pins: taken again by pid and start time, one that died meanwhile and whose pid
            // went to a process started in the same clock tick would pass for itself.
            PendingKill kill = killTreesOf(terminated, alive);
            List<Member> left;
            try {
                left = waitFor(kill, deadline.warnAtNanos(kill.startNanos()), deadline.endNanos(kill.startNanos()), deadline);
            } finally {
                release(kill);
            }
            KillResult result = KillResult.escalated(terminated, terminated.size() - alive.size(), KillResult.of(kill, left));
            return KillLog.finished(stats, terminated.target(), result, kill.signalled(), deadline);
        } catch (RuntimeException | Error e) {
            stats.abandoned();
            throw e;
        }
    }

    /**
     * Waits out the grace of {@code terminated} and returns the members still alive at {@code graceEndNanos}, still
     * pinned for the kill that follows; every other member is released (all of them if the wait throws).
     */
    private List<Member> survivorsOf(PendingKill terminated, long graceEndNanos, Deadline deadline) {
        Set<Member> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        try {
            List<Member> alive = waitFor(terminated, graceEndNanos, graceEndNanos, deadline);
            kept.addAll(alive);
            return alive;
        } finally {
            for (Member m : terminated.members()) {
                if (!kept.contains(m)) {
                    release(m);
                }
            }
        }
    }
}
