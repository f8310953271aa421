package dev.treekill.agent.engine;

import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.signal.Member;
import java.util.List;

/** A tree that has been signalled (or taken, for a snapshot) and not yet waited for. */
public final class PendingKill {
    private final KillWaiter waiter;
    private final Target target;
    /** The root's start time (clock ticks), or {@link ProcEntry#UNKNOWN_START}: escapees started before it are not searched. */
    private final long rootStartTicks;
    private final Trigger trigger;
    /** When the kill began (System.nanoTime), before the freeze: the deadline and the elapsed time count from here. */
    private final long startNanos;
    private final List<Member> members;
    private final int signalled;

    public PendingKill(KillWaiter waiter, Target target, long rootStartTicks, Trigger trigger, long startNanos,
            List<Member> members, int signalled) {
        this.waiter = waiter;
        this.target = target;
        this.rootStartTicks = rootStartTicks;
        this.trigger = trigger;
        this.startNanos = startNanos;
        this.members = members;
        this.signalled = signalled;
    }

    /** What made this kill, and waits for it. */
    public KillWaiter waiter() {
        return waiter;
    }

    public Target target() {
        return target;
    }

    public long rootPid() {
        return target.rootPid();
    }

    public long rootStartTicks() {
        return rootStartTicks;
    }

    public Trigger trigger() {
        return trigger;
    }

    public long startNanos() {
        return startNanos;
    }

    /** The processes taken, root first, parents before children. */
    public List<Member> members() {
        return members;
    }

    /** Processes the kill (or terminate) signalled. */
    public int signalled() {
        return signalled;
    }

    public int size() {
        return members.size();
    }
}
