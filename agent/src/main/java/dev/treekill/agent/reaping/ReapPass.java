package dev.treekill.agent.reaping;

/** What one pass of the {@link OrphanReaper} did. */
public final class ReapPass {
    private final int reaped;
    private final int leftForLater;

    ReapPass(int reaped, int leftForLater) {
        this.reaped = reaped;
        this.leftForLater = leftForLater;
    }

    /** Zombies collected (waitid) in this pass. */
    public int reaped() {
        return reaped;
    }

    /** Zombies left for a later pass, because a start that may have forked them was still under way. */
    public int leftForLater() {
        return leftForLater;
    }

    @Override
    public String toString() {
        return "reaped " + reaped + ", left for later " + leftForLater;
    }
}
