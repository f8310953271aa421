package dev.treekill.agent.guard;

import dev.treekill.agent.starts.Cookies;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The cookies of the starts the JVM spared (begun once its shutdown had begun: the shutdown's own work, see
 * StartedProcesses#markSpared), told to the guard one line each, {@code spare <cookie>}, before the start forks:
 * what the JVM spares, the guard spares too, with whatever carries a cookie minted beneath it. One per cookie,
 * not "everything minted from now on": a cookie is minted before a start decides whether it is spared, so starts
 * racing the beginning of shutdown are not numbered in that order. Kept by the JVM (to tell a new guard) and by
 * the guard. Bounded: a shutdown that starts more than {@link #CAPACITY} processes has the later ones unspared by
 * the guard (the JVM logs it). Not thread-safe: its owner locks.
 */
final class SparedCookies {
    /** Cookies remembered at most: far more than a shutdown starts. */
    static final int CAPACITY = 4096;
    /** The longest cookie a line may carry: an extended inherited cookie and the JVM's own part. */
    static final int MAX_COOKIE_LENGTH = Cookies.MAX_INHERITED_LENGTH + 64;
    private static final String LINE_PREFIX = "spare ";

    private final Set<String> cookies = new LinkedHashSet<>();

    /** The line that tells the guard to spare {@code cookie}. */
    static String line(String cookie) {
        return LINE_PREFIX + cookie;
    }

    /**
     * The cookie of {@code line} ({@code spare <cookie>}), or null if the line is not one: a cookie is one or more
     * printable ASCII characters without a space (what the JVM mints, see Cookies#prefix), at most
     * {@link #MAX_COOKIE_LENGTH}.
     */
    static String parse(String line) {
        if (!line.startsWith(LINE_PREFIX)) {
            return null;
        }
        String cookie = line.substring(LINE_PREFIX.length());
        if (cookie.isEmpty() || cookie.length() > MAX_COOKIE_LENGTH) {
            return null;
        }
        for (int i = 0; i < cookie.length(); i++) {
            char c = cookie.charAt(i);
            if (c <= ' ' || c > '~') {
                return null;
            }
        }
        return cookie;
    }

    /** Remembers {@code cookie}; false when it could not be (full), true when it was or is already. */
    boolean add(String cookie) {
        if (cookies.size() >= CAPACITY && !cookies.contains(cookie)) {
            return false;
        }
        cookies.add(cookie);
        return true;
    }

    /** Every cookie remembered, in the order told. */
    List<String> all() {
        return new ArrayList<>(cookies);
    }
}
