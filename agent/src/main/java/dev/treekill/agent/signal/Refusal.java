package dev.treekill.agent.signal;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The one rule for what treekill never signals, shared by every engine, the MBean and the command line: pid
 * &le; 1 (so never a process group by a negative pid, never init), a number that is no pid, this JVM, and its
 * ancestors. Where /proc can be read, {@link Signaller#refusal} adds that a thread id is no process.
 */
public final class Refusal {
    /** A bound on the walk up the JDK's parent chain, which a cycle (a reused pid) could make endless. */
    private static final int MAX_ANCESTORS = 4096;

    private Refusal() {
    }

    /** Why {@code pid} must never be signalled by the JVM {@code self} with {@code ancestors}, or null if it may be. */
    public static String of(long pid, long self, Set<Integer> ancestors) {
        if (pid <= 1) {
            return "pid " + pid + " is not a process treekill may signal (pid <= 1)";
        }
        if (pid > Integer.MAX_VALUE) {
            return "pid " + pid + " is not a process id";
        }
        if (pid == self) {
            return "pid " + pid + " is this JVM";
        }
        if (ancestors.contains((int) pid)) {
            return "pid " + pid + " is an ancestor of this JVM";
        }
        return null;
    }

    /**
     * Throws for a refusal (the reason as the message, as the MBean and the command line show it); nothing for null.
     *
     * @throws IllegalArgumentException with {@code refusal} as its message when it is not null
     */
    public static void throwIf(String refusal) {
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
    }

    /**
     * This JVM's ancestors as the JDK sees them, for where /proc cannot be read (the portable engine); with /proc,
     * {@link Signaller#ancestors()} reads them there.
     */
    public static Set<Integer> ancestorsByJdk() {
        Set<Integer> ancestors = new HashSet<>();
        Optional<ProcessHandle> p = ProcessHandle.current().parent();
        for (int i = 0; p.isPresent() && i < MAX_ANCESTORS && ancestors.add((int) p.get().pid()); i++) {
            p = p.get().parent();
        }
        return ancestors;
    }
}
