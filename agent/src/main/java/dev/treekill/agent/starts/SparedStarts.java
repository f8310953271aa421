package dev.treekill.agent.starts;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The starts marked spared (the exit kill marks those begun once shutdown had begun: the JVM's own shutdown work),
 * which a kill of every tree that spares marked starts leaves alone, with their trees and cookies.
 */
final class SparedStarts {
    /** Sequence numbers of the spared starts still under way. */
    private final Set<Long> inFlight = ConcurrentHashMap.newKeySet();
    /** The cookies handed to spared starts. */
    private final Set<String> cookies = ConcurrentHashMap.newKeySet();

    void mark(long seq, String cookie) {
        if (cookie != null) {
            cookies.add(cookie);
        }
        inFlight.add(seq);
    }

    /** A start of another JVM's, handed {@code cookie}, was marked spared there (the guard is told so). */
    void markCookie(String cookie) {
        cookies.add(cookie);
    }

    boolean isInFlight(long seq) {
        return inFlight.contains(seq);
    }

    void ended(long seq) {
        inFlight.remove(seq);
    }

    boolean noneInFlight() {
        return inFlight.isEmpty();
    }

    /** Whether every start of {@code starts} (sequence numbers) is a spared one. */
    boolean coverAll(Set<Long> starts) {
        return inFlight.containsAll(starts);
    }

    /** Whether {@code cookie} is a spared start's, or minted beneath one (a JVM such a start ran mints beneath it). */
    boolean isSpared(String cookie) {
        // Up the cookie's ancestors (see Cookies#parentOf): as many set lookups as nesting levels, whatever the count.
        for (String c = cookie; c != null; c = Cookies.parentOf(c)) {
            if (cookies.contains(c)) {
                return true;
            }
        }
        return false;
    }
}
