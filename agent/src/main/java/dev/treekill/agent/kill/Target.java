package dev.treekill.agent.kill;

/**
 * What a kill aims at: the tree of a root pid, and what belongs to that tree though it left it (the
 * processes still carrying the root's cookie; under a subreaper, the orphans this JVM adopted since the
 * root started). The root itself may be gone already, leaving only escapees.
 */
public final class Target {
    final long rootPid;
    /** False when the root exited already: its pid may name a stranger, only its escapees are wanted. */
    final boolean rootAlive;
    /** The root's start in clock ticks since boot, or -1 if not known. */
    final long startTicks;
    /** The exact cookie of the root's processes, or null: then no process is claimed by cookie. */
    final String cookie;
    /** Every descendant tree of this JVM: any cookie of this JVM, every adopted orphan. */
    final boolean allDescendants;
    /** The JDK's record of the root, when the JDK started it. */
    final StartedProcesses.Started record;
    /** What this kill is called in logs. */
    private final String name;
    /**
     * At exit: what the JVM's own shutdown work started once shutdown had begun is spared (see
     * {@link StartedProcesses#wasRunningWhenShutdownBegan}).
     */
    final boolean sparesShutdownStarts;

    private Target(long rootPid, boolean rootAlive, long startTicks, String cookie, boolean allDescendants,
            StartedProcesses.Started record, String name, boolean sparesShutdownStarts) {
        this.rootPid = rootPid;
        this.rootAlive = rootAlive;
        this.startTicks = startTicks;
        this.cookie = cookie;
        this.allDescendants = allDescendants;
        this.record = record;
        this.name = name;
        this.sparesShutdownStarts = sparesShutdownStarts;
    }

    /** The tree of {@code pid} and nothing else. */
    public static Target tree(long pid) {
        return new Target(pid, true, -1, null, false, null, "tree of pid " + pid, false);
    }

    /** A process the JDK started: its tree (if {@code alive}) and its escapees. */
    public static Target started(StartedProcesses.Started s, boolean alive) {
        return new Target(s.pid, alive, s.startTicks, s.cookie, false, s, "tree of pid " + s.pid, false);
    }

    /** Every child tree of the JVM {@code selfPid}, and every escapee of any of them. */
    public static Target allDescendantsOf(long selfPid) {
        return new Target(selfPid, false, -1, null, true, null, "every child tree of this JVM", false);
    }

    /**
     * The exit kill of the JVM {@code selfPid}: every child tree and escapee that was running when shutdown
     * began, never what was started after it.
     */
    public static Target atExit(long selfPid) {
        return new Target(selfPid, false, -1, null, true, null, "at exit: every child tree of this JVM", true);
    }

    /**
     * Run by the guard, once the JVM {@code jvmPid} (started at {@code jvmStartTicks}, clock ticks since boot)
     * is dead: every process carrying one of its cookies, with its tree. The killer's own children are roots
     * too, and a guard has none.
     */
    public static Target leftBehindBy(long jvmPid, long jvmStartTicks) {
        return new Target(jvmPid, false, jvmStartTicks, null, true, null,
                "what the dead JVM " + jvmPid + " left behind", false);
    }

    public long rootPid() {
        return rootPid;
    }

    @Override
    public String toString() {
        return name;
    }
}
