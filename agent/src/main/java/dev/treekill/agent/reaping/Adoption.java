package dev.treekill.agent.reaping;

import dev.treekill.agent.proc.ProcSource;

/**
 * Whether this JVM adopts orphans, decided once (by the agent's wiring, or by whoever builds an engine) and
 * handed to everything that cares: the Linux engine (its members may become ours to reap), the escapee search
 * (an adopted cookie-less orphan may be one of ours), the cold path (not taken where orphans are adopted).
 */
public enum Adoption {
    /** Orphans go to PID 1 or a subreaper above: nothing is ours to reap but what the JDK reaps. */
    NONE,
    /** This JVM is PID 1 of its namespace: every orphan of the namespace comes here, from anywhere (docker exec). */
    PID_1,
    /** This JVM is a child subreaper ({@code subreaper=true}): the orphans of its descendants come here. */
    SUBREAPER;

    /** Whether orphans are re-parented to this JVM. */
    public boolean adopts() {
        return this != NONE;
    }

    /**
     * The one decision for this JVM, made once by whoever builds the engines: {@link #SUBREAPER} when prctl confirmed
     * {@code becameSubreaper}; {@link #PID_1} when /proc/self names pid 1; else {@link #NONE}.
     *
     * <p>Why /proc and not getpid(): everything that acts on adoption reads /proc (the escapee search matches a
     * /proc ppid against this JVM, the reaper walks /proc) and then signals or reaps the pids it read. Where /proc
     * is another PID namespace's (the JVM is init of a namespace that did not mount its own /proc), getpid() says 1
     * and the kernel does re-parent orphans here, but the pids /proc shows are not the pids kill(2) and waitid(2)
     * take here: the Linux engine is refused for that reason (see {@code Engines}), and the right answer for the
     * rest is {@link #NONE}, so that no /proc pid is taken for an orphan of ours and signalled. Where /proc is this
     * namespace's, both answers agree. ({@code AgentRuntime} and {@code Engines} once decided this apart, by /proc
     * and by getpid().)
     */
    public static Adoption forThisJvm(boolean becameSubreaper) {
        return decide(ProcSource.selfPidInProc(), becameSubreaper);
    }

    /** The rule of {@link #forThisJvm}, given the pid /proc/self names (-1 without /proc). */
    static Adoption decide(int selfPidInProc, boolean becameSubreaper) {
        return becameSubreaper ? SUBREAPER : selfPidInProc == 1 ? PID_1 : NONE;
    }
}
