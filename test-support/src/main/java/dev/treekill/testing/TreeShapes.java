package dev.treekill.testing;

/**
 * Shell scripts for the tree shapes the tests kill, for {@code sh -c <script> sh <size>}: {@code $1} is the
 * size. Compile-time constants on purpose: the test applications that run in child JVMs use them, and a
 * constant is copied into their class, so this jar need not be on those JVMs' class path.
 */
public final class TreeShapes {
    /** $1 - 1 sleeps under one shell. */
    public static final String WIDE = "i=1; while [ $i -lt $1 ]; do sleep 1000 & i=$((i+1)); done; wait";
    /**
     * A chain: each level starts the next in the background, then becomes {@code sleep}. Needs
     * {@link #CHAIN_VARIABLE} set to this script ({@link TaggedProcesses#start} sets it).
     */
    public static final String CHAIN = "n=$1; if [ $n -gt 1 ]; then sh -c \"$TREEKILL_CHAIN\" chain $((n-1)) & fi; exec sleep 1000";
    /** The variable {@link #CHAIN} runs itself from. */
    public static final String CHAIN_VARIABLE = "TREEKILL_CHAIN";
    /** $1 shells whose loops fork a short-lived sleep again and again: the tree changes while it is killed. */
    public static final String FORKING = "i=0; while [ $i -lt $1 ]; do sh -c 'while :; do sleep 0.01 & sleep 0.002; done' & i=$((i+1)); done; wait";
    /** A parent that never reaps: the child exits and stays a zombie under a live sleep. */
    public static final String ZOMBIE_PARENT = "i=0; while [ $i -lt $1 ]; do sh -c 'true & true & exec sleep 1000' & i=$((i+1)); done; wait";
    /** $1 shells that exit on SIGTERM (shells do by default) with a sleep each. */
    public static final String OBEDIENT = "i=0; while [ $i -lt $1 ]; do sh -c 'sleep 1000 & wait' & i=$((i+1)); done; wait";

    private TreeShapes() {
    }
}
