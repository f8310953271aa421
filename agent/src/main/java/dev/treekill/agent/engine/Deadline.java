package dev.treekill.agent.engine;

import dev.treekill.mbeans.Durations;
import java.util.concurrent.TimeUnit;

/**
 * How long a kill may take and when to warn, counted from the moment the kill started (before the
 * freeze), the same for the hooks, JMX and the command line.
 */
public final class Deadline {
    /** Longer waits are capped here (about 3 years), so that nanoTime arithmetic cannot overflow. */
    private static final long MAX_MILLIS = 100_000_000_000L;

    public final long timeoutMillis;
    private final long warnMillis;

    private Deadline(long timeoutMillis, long warnMillis) {
        this.timeoutMillis = timeoutMillis;
        this.warnMillis = warnMillis;
    }

    /**
     * A warning at or after the timeout (or not more than zero) is never given.
     *
     * @throws IllegalArgumentException when {@code timeoutMillis} is not more than zero, by the one rule ({@link Durations})
     */
    public static Deadline of(long timeoutMillis, long warnMillis) {
        Durations.positive("timeout", timeoutMillis);
        return new Deadline(timeoutMillis, warnMillis > 0 && warnMillis < timeoutMillis ? warnMillis : timeoutMillis);
    }

    public long endNanos(long startNanos) {
        return after(startNanos, timeoutMillis);
    }

    public long warnAtNanos(long startNanos) {
        return after(startNanos, warnMillis);
    }

    /** {@code millis} after {@code startNanos} on the nanoTime clock, capped so that it cannot overflow. */
    public static long after(long startNanos, long millis) {
        return startNanos + TimeUnit.MILLISECONDS.toNanos(Math.max(0, Math.min(millis, MAX_MILLIS)));
    }
}
