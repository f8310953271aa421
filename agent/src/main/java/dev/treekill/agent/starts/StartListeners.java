package dev.treekill.agent.starts;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Who hears of the application's starts (treekill-junit files each under the test that ran on the starting
 * thread): told of every start, on the thread that started it, after its record exists. Not of the agent's own
 * starts (the exitKill guard's), which no library or test may take for the application's; nor is the agent's own
 * destroy of such a process a tree kill (see {@link #asAgentsOwn}).
 */
public final class StartListeners {
    private final List<Consumer<Process>> listeners = new CopyOnWriteArrayList<>();
    /** Set on a thread while it starts or destroys one of the agent's own processes (see {@link #asAgentsOwn}). */
    private final ThreadLocal<Boolean> agentsOwn = new ThreadLocal<>();

    /** {@code listener} hears of every later start of the application's; it must be quick and not throw. */
    public void add(Consumer<Process> listener) {
        listeners.add(listener);
    }

    public void remove(Consumer<Process> listener) {
        listeners.remove(listener);
    }

    /**
     * Runs {@code work}, which starts or destroys one of the agent's own processes, on this thread. A start is
     * recorded like any other (the orphan reaper must leave its exit status to the JDK), but no listener hears of
     * it; a destroy is the JDK's alone (the destroy hooks leave it: no tree kill, no kill counted or logged).
     */
    public <T> T asAgentsOwn(Callable<T> work) throws Exception {
        agentsOwn.set(Boolean.TRUE);
        try {
            return work.call();
        } finally {
            agentsOwn.remove();
        }
    }

    /** Whether this thread is starting or destroying one of the agent's own processes (see {@link #asAgentsOwn}). */
    public boolean agentsOwnOnThisThread() {
        return agentsOwn.get() != null;
    }

    /** Tells every listener of {@code process}, unless it is the agent's own; the caller suppresses what escapes. */
    void started(Process process) {
        if (agentsOwnOnThisThread()) {
            return;
        }
        for (Consumer<Process> listener : listeners) {
            listener.accept(process);
        }
    }
}
