package dev.treekill.agent.kill;

import java.util.List;

/** A tree that has been signalled and not yet waited for. */
public class PendingKill {
    final Target target;
    final long rootPid;
    /** The root's start time (clock ticks), or -1: escapees started before it are not searched. */
    final long rootStartTicks;
    final String trigger;
    final long startNanos;
    final List<Member> members;
    final int signalled;

    PendingKill(Target target, long rootStartTicks, String trigger, long startNanos, List<Member> members, int signalled) {
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
