package dev.treekill.agent.log;

import java.io.PrintStream;

/**
 * The agent's own log: stderr, every line prefixed {@code [treekill]}.
 * Deliberately not SLF4J or java.util.logging: the agent must not initialise the host application's
 * logging (or its log manager) and must not pay their start-up cost.
 */
public final class Log {
    public enum Level { OFF, WARN, INFO, DEBUG }

    private static volatile Level level = Level.WARN;
    private static volatile PrintStream out = System.err;

    private Log() {
    }

    public static void setLevel(Level newLevel) {
        level = newLevel;
    }

    public static Level level() {
        return level;
    }

    /** Tests capture the log through this. */
    public static void setOutput(PrintStream stream) {
        out = stream;
    }

    public static boolean enabled(Level l) {
        return l != Level.OFF && level.compareTo(l) >= 0;
    }

    public static void warn(String message) {
        write(Level.WARN, message, null);
    }

    public static void warn(String message, Throwable cause) {
        write(Level.WARN, message, cause);
    }

    /**
     * A line printed whatever the level: what the user must read because the JVM (or an attach) stops on it, such
     * as a bad option. The level is not consulted: it may not have been set yet.
     */
    public static void fatal(String message) {
        out.println("[treekill] " + message);
    }

    public static void info(String message) {
        write(Level.INFO, message, null);
    }

    public static void debug(String message) {
        write(Level.DEBUG, message, null);
    }

    private static void write(Level l, String message, Throwable cause) {
        if (!enabled(l)) {
            return;
        }
        StringBuilder line = new StringBuilder("[treekill] ").append(message);
        if (cause != null) {
            line.append(": ").append(cause);
        }
        out.println(line);
        if (cause != null && enabled(Level.DEBUG)) {
            cause.printStackTrace(out);
        }
    }
}
