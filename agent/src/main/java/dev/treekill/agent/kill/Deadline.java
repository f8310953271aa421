package dev.treekill.agent.kill;

import java.util.concurrent.TimeUnit;

/** When to warn and when to give up, fixed when a wait starts. */
public final class Deadline {
    final long warnAt;
    final long end;
    final long timeoutMillis;

    private Deadline(long warnAt, long end, long timeoutMillis) {
        this.warnAt = warnAt;
        this.end = end;
        this.timeoutMillis = timeoutMillis;
    }

    /** Starts now. A warning at or after the timeout is never given. */
    public static Deadline of(long timeoutMillis, long warnMillis) {
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("timeout must be more than zero, was " + timeoutMillis);
        }
        long now = System.nanoTime();
        long end = now + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        long warnAt = warnMillis > 0 && warnMillis < timeoutMillis ? now + TimeUnit.MILLISECONDS.toNanos(warnMillis) : end;
        return new Deadline(warnAt, end, timeoutMillis);
    }
}
