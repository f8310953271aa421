package dev.treekill.junit;

import java.util.function.Consumer;

/**
 * Attributes every process started in this JVM to a {@link Scope}. The agent tells of each start on the
 * thread that made it; the scope current on that thread takes it. A thread's current scope is pushed by
 * the extension before a class or a test and popped after it, so on JUnit's worker threads (which also run
 * other tests while waiting, always nested) the innermost test wins. A thread created while a scope was
 * current inherits it (an InheritableThreadLocal): a test's own executor threads start processes for that
 * test; once the test is over, their starts go to the test's class (not to whatever the creating worker
 * ran next), then to the suite. Threads that never had a scope (pools created outside any test) start
 * processes for the suite.
 */
final class Scopes implements Consumer<Process> {
    private volatile Scope suite = new Scope("the suite", null, null);
    private final InheritableThreadLocal<Scope> current = new InheritableThreadLocal<>();

    Scope suite() {
        return suite;
    }

    /** A new suite scope for a new run of the engine (an IDE may run several in one JVM); returns the old one. */
    synchronized Scope newSuite() {
        Scope old = suite;
        suite = new Scope("the suite", null, null);
        return old;
    }

    /** Opens {@code name}, owned by {@code owner} (null: the suite), as the current scope of this thread. */
    Scope push(String name, Scope owner) {
        Scope s = new Scope(name, owner, current.get());
        current.set(s);
        return s;
    }

    /** Makes what was current before {@code s} current again on this thread, if {@code s} is current. */
    void pop(Scope s) {
        if (current.get() == s) {
            current.set(s.previous);
        }
    }

    /** A start, on the thread that made it. */
    @Override
    public void accept(Process process) {
        String thread = Thread.currentThread().getName();
        for (Scope s = current.get(); s != null; s = s.parent) {
            if (s.adopt(process, thread)) {
                return;
            }
        }
        suite.adopt(process, thread);
    }
}
