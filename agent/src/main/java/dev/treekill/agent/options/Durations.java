package dev.treekill.agent.options;

/** The one duration syntax of treekill: {@code 500ms}, {@code 10s}, {@code 2m}, or a plain number of milliseconds. */
public final class Durations {
    private Durations() {
    }

    /**
     * Parses a duration into milliseconds.
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
            unit = 1000;
            digits = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unit = 60_000;
            digits = t.substring(0, t.length() - 1);
        }
        if (digits.isEmpty() || digits.length() > 12 || !digits.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (use e.g. 500ms, 10s, 2m or plain milliseconds)");
        }
        return Long.parseLong(digits) * unit;
    }

    /** Formats milliseconds the way a person would write them back in an option. */
    public static String format(long millis) {
        if (millis > 0 && millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis > 0 && millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }
}
