package dev.treekill.junit;

import java.util.ArrayList;
import java.util.List;

/**
 * What one test, one class or the whole suite owns: the processes started on its thread while it ran.
 * Scopes nest on a thread (suite, class, test); a start belongs to the innermost one still open.
 */
final class Scope {
    /** How reports name it: "ExampleTest.leaks()", "ExampleTest" or "the suite". */
    final String name;
    /** The scope that was current on this thread before this one, or null. */
    final Scope parent;
    private final List<Process> processes = new ArrayList<>();
    private boolean open = true;

    Scope(String name, Scope parent) {
        this.name = name;
        this.parent = parent;
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
