package dev.treekill.agent.hook;

import dev.treekill.agent.starts.HiddenChildren;

/** The JDK's lists of processes without the agent's own children ({@link HiddenChildren#compactJdkList}). */
public final class HiddenFromListings implements Hooks.Listings {
    private final HiddenChildren hidden;

    public HiddenFromListings(HiddenChildren hidden) {
        this.hidden = hidden;
    }

    @Override
    public int hide(int count, long queriedPid, long[] pids, long[] ppids, long[] startTimes) {
        return hidden.compactJdkList(count, queriedPid, pids, ppids, startTimes);
    }
}
