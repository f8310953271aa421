package dev.treekill.agent.kill;

import java.util.List;

/** A tree that has been signalled and not yet waited for. */
public class PendingKill {
    final long rootPid;
    final String trigger;
    final long startNanos;
    final List<Member> members;
    final int signalled;

    PendingKill(long rootPid, String trigger, long startNanos, List<Member> members, int signalled) {
        this.rootPid = rootPid;
        this.trigger = trigger;
        this.startNanos = startNanos;
        this.members = members;
        this.signalled = signalled;
    }

    public long rootPid() {
        return rootPid;
    }

    public int size() {
        return members.size();
    }
}
