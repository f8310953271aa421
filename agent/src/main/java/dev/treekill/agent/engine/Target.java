package dev.treekill.agent.engine;

import dev.treekill.agent.proc.ProcEntry;
import dev.treekill.agent.starts.Started;
import dev.treekill.agent.starts.StartedProcesses;

/**
 * What a kill aims at: the tree of a root pid, and what belongs to that tree though it left it (the
 * processes still carrying the root's cookie; under a subreaper, the orphans this JVM adopted since the
 * root started). The root itself may be gone already, leaving only escapees.
 *
 * <p>A pid names a process only together with its start time: the entry points get their target from
 * {@link Engine#identify(ProcessHandle)} or {@link Engine#identify(long)}, which pin that start time before
 * anything is signalled, and the engine then signals the root only while the process at its pid still has it.
 */
public final class Target {
    /** The shapes of a kill. */
    private enum Scope {
        /** One root's tree and its escapees (by its cookie). */
        ONE_TREE,
        /** Every child tree of the killing JVM itself ({@link #rootPid} is its pid), and every escapee of any. */
        OWN_DESCENDANTS,
        /** What a dead JVM left: every process carrying one of its cookies but spared ones (the guard's kill; no child trees). */
        LEFT_BEHIND
    }

    private final long rootPid;
    /** False when the root exited already: its pid may name a stranger, only its escapees are wanted. */
    private final boolean rootAlive;
    /** The root's start in clock ticks since boot, or {@link ProcEntry#UNKNOWN_START}. */
    private final long startTicks;
    /** The exact cookie of the root's processes, or null: then no process is claimed by cookie. */
    private final String cookie;
    /** What the target takes besides the root's own tree (see {@link Scope}). */
    private final Scope scope;
    /** The JDK's record of the root, when the JDK started it. */
    private final Started record;
    /** The JDK's handle of the root, where the engine identified it by one (the portable engine signals through it). */
    private final ProcessHandle handle;
    /** What this kill is called in logs. */
    private final String name;
    /** The starts the registry marked spared ({@link StartedProcesses#isSpared}) are left alone. */
    private final boolean sparesMarked;

    private Target(long rootPid, boolean rootAlive, long startTicks, String cookie, Scope scope,
            Started record, ProcessHandle handle, String name, boolean sparesMarked) {
        this.rootPid = rootPid;
        this.rootAlive = rootAlive;
        this.startTicks = startTicks;
        this.cookie = cookie;
        this.scope = scope;
        this.record = record;
        this.handle = handle;
        this.name = name;
        this.sparesMarked = sparesMarked;
    }

    /**
     * The tree of {@code pid} and nothing else, taken as the process at {@code pid} when the kill begins: only
     * for a pid read just now. Entry points use {@link Engine#identify(long)}, which pins it at once.
     */
    public static Target tree(long pid) {
        return new Target(pid, true, ProcEntry.UNKNOWN_START, null, Scope.ONE_TREE, null, null, treeName(pid), false);
    }

    /** The process at {@code pid} that started at {@code startTicks} (clock ticks since boot, or {@link ProcEntry#UNKNOWN_START}). */
    public static Target identified(long pid, long startTicks, ProcessHandle handle) {
        return new Target(pid, true, startTicks, null, Scope.ONE_TREE, null, handle, treeName(pid), false);
    }

    /** Nothing: {@code pid} names no process now. A kill of it still refuses the pids treekill never signals. */
    public static Target gone(long pid) {
        return new Target(pid, false, ProcEntry.UNKNOWN_START, null, Scope.ONE_TREE, null, null, treeName(pid), false);
    }

    /** A process the JDK started: its tree (if {@code alive}) and its escapees. */
    public static Target started(Started s, boolean alive) {
        return new Target(s.pid(), alive, s.startTicks(), s.cookie(), Scope.ONE_TREE, s, null, treeName(s.pid()), false);
    }

    /**
     * This identified root with the JDK's record of it (its cookie, so its escapees too), if {@code s} is the
     * record of this very process: the same pid and the same start time. Else (a record of an earlier process
     * at the same pid, one whose start time was never read, or none) this root alone.
     */
    public Target with(Started s) {
        if (s == null || s.pid() != rootPid || startTicks == ProcEntry.UNKNOWN_START || s.startTicks() != startTicks) {
            return this;
        }
        return new Target(rootPid, rootAlive, startTicks, s.cookie(), Scope.ONE_TREE, s, handle, name, false);
    }

    /**
     * This identified root with {@code s}, the record of the very {@code Process} this root was identified from
     * (found by the Process object, not by pid: it is this process's whatever start time it holds).
     */
    public Target withOwnRecord(Started s) {
        return s == null ? this : new Target(rootPid, rootAlive, startTicks != ProcEntry.UNKNOWN_START ? startTicks : s.startTicks(),
                s.cookie(), Scope.ONE_TREE, s, handle, name, false);
    }

    /** Every child tree of the JVM {@code selfPid}, and every escapee of any of them. */
    public static Target allDescendantsOf(long selfPid) {
        return new Target(selfPid, false, ProcEntry.UNKNOWN_START, null, Scope.OWN_DESCENDANTS, null, null, "every child tree of this JVM", false);
    }

    /**
     * Every child tree and escapee of the JVM {@code selfPid} but those whose start the registry marked spared
     * (the exit kill marks the starts of the JVM's own shutdown work so).
     */
    public static Target allDescendantsButSpared(long selfPid) {
        return new Target(selfPid, false, ProcEntry.UNKNOWN_START, null, Scope.OWN_DESCENDANTS, null, null, "at exit: every child tree of this JVM", true);
    }

    /**
     * Once the JVM {@code jvmPid} (started at {@code jvmStartTicks}, clock ticks since boot) is dead: every process
     * carrying one of its cookies, with its tree, but those whose cookie the registry marked spared (the guard marks
     * what that JVM told it it spared: its shutdown's own work); never the killer's own children (the dead JVM is
     * not the killer).
     */
    public static Target leftBehindBy(long jvmPid, long jvmStartTicks) {
        return new Target(jvmPid, false, jvmStartTicks, null, Scope.LEFT_BEHIND, null, null,
                "what the dead JVM " + jvmPid + " left behind", true);
    }

    /** The JDK's record of the root (pid and start time checked), or null when the JDK did not start it. */
    public Started record() {
        return record;
    }

    public long rootPid() {
        return rootPid;
    }

    /** The root's start in clock ticks since boot (its identity with the pid), or {@link ProcEntry#UNKNOWN_START}. */
    public long startTicks() {
        return startTicks;
    }

    /** Whether the root process itself is to be signalled; false when only its escapees are left. */
    public boolean rootAlive() {
        return rootAlive;
    }

    /** The exact cookie of the root's processes, or null: then no process is claimed by cookie. */
    public String cookie() {
        return cookie;
    }

    /**
     * Not one tree: any cookie of the JVM {@link #rootPid()} is claimed, and its adopted orphans (see
     * {@link #ownDescendants()} and {@link #leftBehindByDeadJvm()}).
     */
    public boolean allDescendants() {
        return scope != Scope.ONE_TREE;
    }

    /** Every child tree of the killing JVM, whose pid {@link #rootPid()} must be (the engine refuses another). */
    public boolean ownDescendants() {
        return scope == Scope.OWN_DESCENDANTS;
    }

    /** What the dead JVM {@link #rootPid()} left: its cookie carriers, not the killer's children. */
    public boolean leftBehindByDeadJvm() {
        return scope == Scope.LEFT_BEHIND;
    }

    /** The JDK's handle of the root, where it was identified by one; else null. */
    public ProcessHandle handle() {
        return handle;
    }

    /** Whether starts the registry marked spared are left alone. */
    public boolean sparesMarked() {
        return sparesMarked;
    }

    /** Whether {@code e} is this target's root process: its pid and, where known, its start time. */
    public boolean isRoot(ProcEntry e) {
        return e != null && rootAlive && e.pid == rootPid && (startTicks == ProcEntry.UNKNOWN_START || e.startTime == startTicks);
    }

    private static String treeName(long pid) {
        return "tree of pid " + pid;
    }

    @Override
    public String toString() {
        return name;
    }
}
