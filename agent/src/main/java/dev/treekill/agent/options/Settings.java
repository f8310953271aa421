package dev.treekill.agent.options;

/**
 * The values an operator may change while the JVM runs (through JMX), seeded from the agent options.
 * Everything else stays as the options set it.
 */
public final class Settings {
    private final AgentOptions options;
    private volatile boolean enabled = true;
    private volatile long timeoutMillis;
    private volatile long warnMillis;

    public Settings(AgentOptions options) {
        this.options = options;
        this.timeoutMillis = options.timeoutMillis();
        this.warnMillis = options.warnMillis();
    }

    public AgentOptions options() {
        return options;
    }

    public boolean enabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public long timeoutMillis() {
        return timeoutMillis;
    }

    public void setTimeoutMillis(long millis) {
        this.timeoutMillis = requirePositive("timeout", millis);
    }

    public long warnMillis() {
        return warnMillis;
    }

    public void setWarnMillis(long millis) {
        this.warnMillis = requirePositive("warn", millis);
    }

    private static long requirePositive(String what, long millis) {
        if (millis <= 0) {
            throw new IllegalArgumentException(what + " must be more than zero milliseconds, was " + millis);
        }
        return millis;
    }
}
