package dev.treekill.agent.proc;

/**
 * An environment block as the kernel keeps it ({@code NAME=value\0NAME=value\0}), held in a String one
 * char per byte (ISO-8859-1) so that no byte is lost: what /proc/[pid]/environ shows, and what the JDK
 * hands to exec.
 */
public final class Environ {
    private Environ() {
    }

    /** The value of {@code name}, or null if it is not set. The first entry wins, as in getenv(3). */
    public static String valueOf(String environ, String name) {
        int at = find(environ, name);
        if (at < 0) {
            return null;
        }
        int start = at + name.length() + 1;
        int end = environ.indexOf('\0', start);
        return environ.substring(start, end < 0 ? environ.length() : end);
    }

    /** {@code environ} without any entry for {@code name}. */
    public static String without(String environ, String name) {
        StringBuilder out = new StringBuilder(environ.length());
        int i = 0;
        while (i < environ.length()) {
            int end = environ.indexOf('\0', i);
            int next = end < 0 ? environ.length() : end + 1;
            if (!isEntry(environ, i, name)) {
                out.append(environ, i, next);
            }
            i = next;
        }
        return out.toString();
    }

    /** How many entries {@code environ} has. */
    public static int count(String environ) {
        int n = 0;
        int i = 0;
        while (i < environ.length()) {
            int end = environ.indexOf('\0', i);
            n++;
            i = end < 0 ? environ.length() : end + 1;
        }
        return n;
    }

    private static int find(String environ, String name) {
        int i = 0;
        while (i < environ.length()) {
            if (isEntry(environ, i, name)) {
                return i;
            }
            int end = environ.indexOf('\0', i);
            i = end < 0 ? environ.length() : end + 1;
        }
        return -1;
    }

    private static boolean isEntry(String environ, int at, String name) {
        int eq = at + name.length();
        return eq < environ.length() && environ.charAt(eq) == '=' && environ.startsWith(name, at);
    }
}
