package dev.treekill.agent.starts;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The numbering of starts: each start that forks gets the next number when it is about to fork and keeps it "in
 * flight" until its Process is recorded (or it failed). A child exists from fork() on, before the JDK returns its
 * Process: the orphan reaper uses these numbers to leave alone what a start under way may have forked.
 */
final class StartsInFlight {
    /** What {@link #oldest()} returns when no start is under way: later than every number. */
    static final long NONE = Long.MAX_VALUE;

    /** The numbers of the starts under way (a handful at most). */
    private final Set<Long> numbers = ConcurrentHashMap.newKeySet();
    private final AtomicLong begun = new AtomicLong();

    /** A start is about to fork: its number. */
    long begin() {
        long seq = begun.incrementAndGet();
        numbers.add(seq); // after `begun`: see OrphanReaper.reap
        return seq;
    }

    /** Start {@code seq} ended (recorded, or failed); 0, a start that forked nothing, is no number. */
    void end(long seq) {
        numbers.remove(seq);
    }

    /** Whether a patched start has forked yet. */
    boolean anyBegun() {
        return begun.get() > 0;
    }

    long lastBegun() {
        return begun.get();
    }

    /** The number of the oldest start still under way, or {@link #NONE}. */
    long oldest() {
        long oldest = NONE;
        for (long seq : numbers) {
            oldest = Math.min(oldest, seq);
        }
        return oldest;
    }

    /** The numbers of the starts under way now (a live view). */
    Set<Long> numbers() {
        return numbers;
    }
}
