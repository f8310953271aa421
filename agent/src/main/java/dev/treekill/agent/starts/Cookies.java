package dev.treekill.agent.starts;

import dev.treekill.agent.proc.Environ;

/**
 * What a cookie is, in one place. Every process the JDK starts with the agent carries {@code
 * TREEKILL_COOKIE=<cookie>}, inherited by its descendants. A JVM mints {@code tk<pid hex>-<random hex>-<n>}
 * (n = 1, 2, ... per start); a JVM that itself inherited a cookie (a JVM with the agent started by another
 * one, through {@code JAVA_TOOL_OPTIONS}, say) extends it: {@code <inherited>/tk<pid hex>-<random hex>-<n>}.
 * So every cookie minted beneath a cookie, by nested JVMs at any depth, starts with it and a {@code /}, and
 * a kill that matches a cookie also takes the escapees of the agent JVMs inside its tree. A value set on
 * purpose (an opt-out such as {@code dontKillMe}) is beneath no cookie of anybody else's, and whatever a JVM
 * started with it mints beneath it: an opt-out stays an opt-out, with its nested JVMs.
 */
public final class Cookies {
    /** The environment variable. */
    public static final String VARIABLE = "TREEKILL_COOKIE";
    /** Between an inherited cookie and the part a nested JVM adds. */
    public static final char SEPARATOR = '/';
    /** An inherited value longer than this (characters) is not extended: nesting that deep is a loop, not a build. */
    public static final int MAX_INHERITED_LENGTH = 1024;

    private Cookies() {
    }

    /**
     * The prefix of every cookie the JVM {@code pid} mints, a sequence number to follow: {@code <inherited>/tk<pid
     * hex>-<random hex>-}, or without {@code <inherited>/} when it inherited none, or one that cannot be extended
     * byte for byte (longer than {@link #MAX_INHERITED_LENGTH}, or with other characters than ASCII letters,
     * digits and {@code - _ . /}): then its processes are found by this JVM's cookies only, as before nesting.
     */
    public static String prefix(String inherited, long pid, int random) {
        String own = "tk" + Long.toHexString(pid) + "-" + Integer.toHexString(random) + "-";
        return extendable(inherited) ? inherited + SEPARATOR + own : own;
    }

    private static boolean extendable(String inherited) {
        if (inherited == null || inherited.isEmpty() || inherited.length() > MAX_INHERITED_LENGTH) {
            return false;
        }
        for (int i = 0; i < inherited.length(); i++) {
            char c = inherited.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == SEPARATOR;
            if (!plain) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code cookie} is {@code ancestor} itself or was minted beneath it (by a JVM with the agent in the
     * tree that {@code ancestor} tags, at any depth). False when either is null.
     */
    public static boolean isBeneath(String cookie, String ancestor) {
        if (cookie == null || ancestor == null || ancestor.isEmpty()) {
            return false;
        }
        return cookie.startsWith(ancestor)
                && (cookie.length() == ancestor.length() || cookie.charAt(ancestor.length()) == SEPARATOR);
    }

    /**
     * The cookie {@code cookie} was minted beneath ({@code a/b} for {@code a/b/c}), or null for one minted
     * beneath none. Following it from a process's cookie visits every cookie that {@link #isBeneath} holds for.
     */
    public static String parentOf(String cookie) {
        int i = cookie == null ? -1 : cookie.lastIndexOf(SEPARATOR);
        return i > 0 ? cookie.substring(0, i) : null;
    }

    /**
     * The cookie in {@code environ}, an environment block as /proc/[pid]/environ shows it (NUL-separated, one
     * char per byte), or null when it has none (or {@code environ} is null: gone or unreadable).
     */
    public static String in(String environ) {
        return environ == null ? null : Environ.valueOf(environ, VARIABLE);
    }

    /** Whether the process whose environment is {@code environ} carries {@code ancestor} or a cookie minted beneath it. */
    public static boolean environIsBeneath(String environ, String ancestor) {
        return isBeneath(in(environ), ancestor);
    }
}
