package dev.treekill.agent.options;

/**
 * The values an operator may change while the JVM runs (through JMX), seeded from the agent options.
 * Everything else stays as the options set it. The setters take values already checked by the one caller that
 * changes them, the MBean's implementation (JmxBackend, with the contract's names in its messages).
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

    /** {@code millis} &gt; 0, checked by the caller. */
    public void setTimeoutMillis(long millis) {
        this.timeoutMillis = millis;
    }

    public long warnMillis() {
        return warnMillis;
    }

    /** {@code millis} &gt; 0, checked by the caller. */
    public void setWarnMillis(long millis) {
        this.warnMillis = millis;
    }
}
