package dev.treekill.junit;

import java.util.ArrayList;
import java.util.List;

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
    private final List<Process> processes = new ArrayList<>();
    private boolean open = true;

    Scope(String name, Scope parent, Scope previous) {
        this.name = name;
        this.parent = parent;
        this.previous = previous;
    }

    /** Adds {@code p} if this scope is still open; false if it closed (then the caller tries the parent). */
    synchronized boolean adopt(Process p) {
        if (!open) {
            return false;
        }
        processes.add(p);
        return true;
    }

    /** Closes the scope (later starts go elsewhere) and hands over what it owns. */
    synchronized List<Process> close() {
        open = false;
        List<Process> owned = new ArrayList<>(processes);
        processes.clear();
        return owned;
    }

    @Override
    public String toString() {
        return name;
    }
}
