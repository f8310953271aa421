package dev.treekill.agent.starts;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Who hears of the application's starts (treekill-junit files each under the test that ran on the starting
 * thread): told of every start, on the thread that started it, after its record exists. Not of the agent's own
 * starts (the exitKill guard's), which no library or test may take for the application's.
 */
public final class StartListeners {
    private final List<Consumer<Process>> listeners = new CopyOnWriteArrayList<>();
    /** Set on a thread while it starts one of the agent's own processes (see {@link #asAgentsOwn}). */
    private final ThreadLocal<Boolean> agentsOwn = new ThreadLocal<>();

    /** {@code listener} hears of every later start of the application's; it must be quick and not throw. */
    public void add(Consumer<Process> listener) {
        listeners.add(listener);
    }

    public void remove(Consumer<Process> listener) {
        listeners.remove(listener);
    }

    /**
     * Runs {@code start}, which starts one of the agent's own processes, on this thread: the start is recorded like
     * any other (the orphan reaper must leave its exit status to the JDK), but no listener hears of it.
     */
    public <T> T asAgentsOwn(Callable<T> start) throws Exception {
        agentsOwn.set(Boolean.TRUE);
        try {
            return start.call();
        } finally {
            agentsOwn.remove();
        }
    }

    /** Whether this thread is starting one of the agent's own processes (see {@link #asAgentsOwn}). */
    public boolean startingAgentsOwn() {
        return agentsOwn.get() != null;
    }

    /** Tells every listener of {@code process}, unless it is the agent's own; the caller suppresses what escapes. */
    void started(Process process) {
        if (startingAgentsOwn()) {
            return;
        }
        for (Consumer<Process> listener : listeners) {
            listener.accept(process);
        }
    }
}
