package dev.treekill.junit;

import dev.treekill.internal.Agent;
import dev.treekill.mbeans.Durations;
import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The extension's settings, read from JUnit configuration parameters (junit-platform.properties, Maven
 * Surefire's configurationParameters, -D system properties, Gradle's systemProperty). A bad value fails
 * the class with a message that lists the valid ones.
 */
final class Config {
    static final String LEAKS = "treekill.leaks";
    static final String TIMEOUT = "treekill.timeout";
    static final String AGENT_OPTIONS = "treekill.agentOptions";
    static final long DEFAULT_TIMEOUT_MILLIS = 30_000;
    /** Digits, blanks, then a unit letter: the blanks go (JUnit's configuration files allowed {@code 10 s}). */
    private static final Pattern BLANKS_BEFORE_UNIT = Pattern.compile("^(\\d+)\\s+(?=[a-z])");

    /** What a leak does. */
    enum Leaks {
        /** Reported (console and test report); the test passes. */
        WARN,
        /** Reported, and the test (or class) fails. */
        FAIL,
        /** Not reported; still killed. */
        OFF
    }

    final Leaks leaks;
    final long timeoutMillis;
    /** Options for the agent if the extension installs it (key=value,...); ignored when it is active already. */
    final String agentOptions;

    private Config(Leaks leaks, long timeoutMillis, String agentOptions) {
        this.leaks = leaks;
        this.timeoutMillis = timeoutMillis;
        this.agentOptions = agentOptions;
    }

    static Config of(ExtensionContext context) {
        Leaks leaks = context.getConfigurationParameter(LEAKS).map(Config::leaks).orElse(Leaks.WARN);
        long timeout = context.getConfigurationParameter(TIMEOUT).map(Config::millis).orElse(DEFAULT_TIMEOUT_MILLIS);
        String agentOptions = context.getConfigurationParameter(AGENT_OPTIONS).map(Config::agentOptions).orElse("");
        return new Config(leaks, timeout, agentOptions);
    }

    /** Options checked with the agent's own parser, so a typo fails the class instead of the attach. */
    static String agentOptions(String value) {
        try {
            Agent.checkOptions(value);
            return value;
        } catch (IllegalArgumentException e) {
            String why = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
            throw new ExtensionConfigurationException(AGENT_OPTIONS + "=" + value + " is not valid: " + why);
        }
    }

    static Leaks leaks(String value) {
        try {
            return Leaks.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException(LEAKS + "=" + value + " is not one of warn, fail, off");
        }
    }

    /**
     * The agent's duration rule ({@link Durations}): {@code 500ms}, {@code 10s}, {@code 2m}, or plain milliseconds;
     * more than zero; behind a lenient front ({@link #lenientDuration}) for what JUnit configuration files have
     * always been allowed to say.
     */
    static long millis(String value) {
        try {
            return Durations.positive(TIMEOUT, Durations.parseMillis(lenientDuration(value)));
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException(TIMEOUT + "=" + value
                    + " is not a duration more than zero (500ms, 10s, 2m, or plain milliseconds)", e);
        }
    }

    /**
     * The spellings treekill-junit accepted before it shared the agent's rule, brought to that rule's form:
     * units in any case ({@code 10S}, {@code 2M}, {@code 500Ms}) and blanks before the unit ({@code 10 s}).
     * Only the JUnit front is lenient: the agent's options, the CLI and the MBean keep the strict spelling.
     * Anything else passes through unchanged, so the error still comes from {@link Durations}.
     */
    static String lenientDuration(String value) {
        if (value == null) {
            return null;
        }
        return BLANKS_BEFORE_UNIT.matcher(value.trim().toLowerCase(Locale.ROOT)).replaceFirst("$1");
    }
}
