package dev.treekill.agent.reaping;

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

    /** As decided from this JVM's pid (as /proc or the kernel shows it) and whether it became a subreaper. */
    public static Adoption of(int selfPid, boolean subreaper) {
        return subreaper ? SUBREAPER : selfPid == 1 ? PID_1 : NONE;
    }
}
