package dev.treekill.junit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one test, one class or the whole suite owns: the processes started on its thread while it ran.
 * A start goes to the scope current on its thread, or, once that closed, to the scope's owner: the test's
 * class, an outer class, then the suite.
 */
final class Scope {
    /** How reports name it: "ExampleTest.leaks()", "ExampleTest" or "the suite". */
    final String name;
    /** The owner: a test's class, a nested class's outer class; null for a top-level class (the suite owns it). */
    final Scope parent;
    /** What was current on the opening thread before (a JUnit worker may run a test while in another class). */
    final Scope previous;
    /** Each process with the name of the thread that started it (insertion order: start order). */
    private final Map<Process, String> processes = new LinkedHashMap<>();
    private boolean open = true;

    Scope(String name, Scope parent, Scope previous) {
        this.name = name;
        this.parent = parent;
        this.previous = previous;
    }

    /**
     * Adds {@code p}, started on the thread named {@code thread}, if this scope is still open; false if it
     * closed (then the caller tries the parent).
     */
    synchronized boolean adopt(Process p, String thread) {
        if (!open) {
            return false;
        }
        processes.put(p, thread);
        return true;
    }

    /** Closes the scope (later starts go elsewhere) and hands over what it owns, with the starting threads. */
    synchronized Map<Process, String> close() {
        open = false;
        Map<Process, String> owned = new LinkedHashMap<>(processes);
        processes.clear();
        return owned;
    }

    @Override
    public String toString() {
        return name;
    }
}
