package dev.treekill.agent.engine;

import dev.treekill.agent.signal.Member;
import java.util.List;

/** A tree that has been signalled and not yet waited for. */
public class PendingKill {
    public final Target target;
    public final long rootPid;
    /** The root's start time (clock ticks), or -1: escapees started before it are not searched. */
    public final long rootStartTicks;
    public final Trigger trigger;
    public final long startNanos;
    public final List<Member> members;
    public final int signalled;

    public PendingKill(Target target, long rootStartTicks, Trigger trigger, long startNanos, List<Member> members, int signalled) {
        this.target = target;
        this.rootStartTicks = rootStartTicks;
        this.rootPid = target.rootPid;
        this.trigger = trigger;
        this.startNanos = startNanos;
        this.members = members;
        this.signalled = signalled;
    }

    public long rootPid() {
        return rootPid;
    }

    /** Processes the kill (or terminate) signalled. */
    public int signalled() {
        return signalled;
    }

    public int size() {
        return members.size();
    }
}
