package dev.treekill.agent.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** Counters over every kill of this JVM, exact under concurrent kills. */
public final class KillStats {
    private final AtomicInteger inProgress = new AtomicInteger();
    private final AtomicLong trees = new AtomicLong();
    private final AtomicLong processes = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile KillResult last;
    private volatile Consumer<KillResult> timeoutListener;

    public void started() {
        inProgress.incrementAndGet();
    }

    public void finished(KillResult result) {
        finished(result, result.signalled);
    }

    /** A kill whose result counts other signals too (a terminate's SIGTERMs): {@code sigkilled} got SIGKILL. */
    public void finished(KillResult result, int sigkilled) {
        trees.incrementAndGet();
        processes.addAndGet(sigkilled);
        last = result;
        inProgress.decrementAndGet();
        if (result.timedOut) {
            timeouts.incrementAndGet();
            Consumer<KillResult> listener = timeoutListener;
            try {
                if (listener != null) {
                    listener.accept(result);
                }
            } catch (RuntimeException e) {
                errors.incrementAndGet();
            }
        }
    }

    /** Told of every kill whose wait timed out, on the thread that waited; null for nobody. */
    public void setTimeoutListener(Consumer<KillResult> listener) {
        this.timeoutListener = listener;
    }

    public void abandoned() {
        inProgress.decrementAndGet();
    }

    /** An internal failure the application never saw. */
    public void error() {
        errors.incrementAndGet();
    }

    public int killsInProgress() {
        return inProgress.get();
    }

    public long treesKilled() {
        return trees.get();
    }

    public long processesKilled() {
        return processes.get();
    }

    public long reapTimeouts() {
        return timeouts.get();
    }

    public long errors() {
        return errors.get();
    }

    /** The most recent finished kill, or null. */
    public KillResult lastKill() {
        return last;
    }

    public void reset() {
        trees.set(0);
        processes.set(0);
        timeouts.set(0);
        errors.set(0);
        last = null;
    }
}
