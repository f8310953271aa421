package dev.treekill.agent.engine;

import dev.treekill.agent.signal.Member;
import java.util.List;

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
     * (never, if it is {@code untilNanos}), reaps those that became this JVM's orphans, and releases the kill.
     * Returns the members still alive.
     */
    protected abstract List<Member> waitFor(PendingKill kill, long warnAtNanos, long untilNanos, Deadline deadline);

    /** Kills, as one kill of {@code terminated}'s target, the trees {@code roots} (its survivors) have now. */
    protected abstract PendingKill killTreesOf(PendingKill terminated, List<Member> roots);

    @Override
    public KillResult await(PendingKill kill, Deadline deadline) {
        try {
            long end = deadline.endNanos(kill.startNanos());
            List<Member> alive = waitFor(kill, deadline.warnAtNanos(kill.startNanos()), end, deadline);
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
            long graceEnd = Deadline.after(terminated.startNanos(), graceMillis);
            List<Member> alive = waitFor(terminated, graceEnd, graceEnd, deadline);
            // The survivors' trees now, not as they were: a SIGTERM handler may have started processes.
            PendingKill kill = killTreesOf(terminated, alive);
            List<Member> left = waitFor(kill, deadline.warnAtNanos(kill.startNanos()), deadline.endNanos(kill.startNanos()),
                    deadline);
            KillResult result = KillResult.escalated(terminated, terminated.size() - alive.size(), KillResult.of(kill, left));
            return KillLog.finished(stats, terminated.target(), result, kill.signalled(), deadline);
        } catch (RuntimeException | Error e) {
            stats.abandoned();
            throw e;
        }
    }
}
