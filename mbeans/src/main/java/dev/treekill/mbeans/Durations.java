package dev.treekill.mbeans;

/**
 * The one rule for durations in treekill's contract, shared by every entry point: the agent's options and the
 * command line's {@code --timeout} (agent), the MBean's {@code ...Millis} values (agent), treekill-junit's
 * {@code treekill.timeout} and treekill-library's {@code killTree} timeout. It lives here because this module
 * is the one every other one depends on (the agent shades it in; library and junit use it as a jar).
 *
 * <p>Syntax (text): {@code 500ms}, {@code 10s}, {@code 2m}, or a plain number of milliseconds; units lower
 * case, no space, at most 12 digits. Range: a timeout, a warn delay and a {@code grace} option are
 * {@linkplain #positive more than zero} (the option spells "no grace" {@code off}); the MBean's
 * {@code graceMillis} is {@linkplain #notNegative zero or more} (0: SIGKILL right after SIGTERM). Each entry
 * point puts the reason into its own kind of error (an option error naming the key, a JUnit configuration
 * error, an IllegalArgumentException for JMX); the reason's text comes from here.
 *
 * <p>No lambdas: the agent's premain runs {@link #parseMillis} when a duration option is given, and the first
 * invokedynamic a JVM links costs it milliseconds of start-up.
 */
public final class Durations {
    /** Enough for 3 years in milliseconds, and no {@code long} overflow even in minutes. */
    private static final int MAX_DIGITS = 12;
    private static final long MILLIS_PER_SECOND = 1000;
    private static final long MILLIS_PER_MINUTE = 60_000;

    private Durations() {
    }

    /**
     * Milliseconds of a duration written as {@code 500ms}, {@code 10s}, {@code 2m} or plain milliseconds
     * (surrounding blanks ignored); 0 is a duration, the range is the caller's {@link #positive} check.
     *
     * @throws IllegalArgumentException naming the text when it is not a duration
     */
    public static long parseMillis(String text) {
        String t = text == null ? "" : text.trim();
        long unit = 1;
        String digits = t;
        if (t.endsWith("ms")) {
            digits = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            unit = MILLIS_PER_SECOND;
            digits = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unit = MILLIS_PER_MINUTE;
            digits = t.substring(0, t.length() - 1);
        }
        if (!isNumber(digits)) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (use e.g. 500ms, 10s, 2m or plain milliseconds)");
        }
        return Long.parseLong(digits) * unit;
    }

    private static boolean isNumber(String digits) {
        if (digits.isEmpty() || digits.length() > MAX_DIGITS) {
            return false;
        }
        for (int i = 0; i < digits.length(); i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** Milliseconds the way a person would write them back in an option: the largest whole unit. */
    public static String format(long millis) {
        if (millis > 0 && millis % MILLIS_PER_MINUTE == 0) {
            return millis / MILLIS_PER_MINUTE + "m";
        }
        if (millis > 0 && millis % MILLIS_PER_SECOND == 0) {
            return millis / MILLIS_PER_SECOND + "s";
        }
        return millis + "ms";
    }

    /**
     * {@code millis} if it is more than zero: every timeout and warn delay, and the {@code grace} option.
     *
     * @throws IllegalArgumentException {@code "<name> must be more than zero, was <millis>"}
     */
    public static long positive(String name, long millis) {
        if (millis <= 0) {
            throw new IllegalArgumentException(name + " must be more than zero, was " + millis);
        }
        return millis;
    }

    /**
     * {@code millis} if it is zero or more: the MBean's {@code graceMillis}, where 0 means no grace.
     *
     * @throws IllegalArgumentException {@code "<name> must not be negative, was <millis>"}
     */
    public static long notNegative(String name, long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException(name + " must not be negative, was " + millis);
        }
        return millis;
    }
}
