package dev.treekill.mbeans;

import java.util.function.Consumer;

/**
 * What {@link TreeKillerBean} needs of the implementation it registers: the JMX contract itself
 * ({@link TreeKillerMXBean}, which states every attribute and operation once, with the checks its values get),
 * and a slot for the listener that turns timed-out kills into notifications. The agent implements this; the
 * mbeans module knows nothing else about the agent. Only {@link TreeKillerMXBean}'s members are exposed
 * through JMX, so {@link #setTimeoutListener} is not. Every method may be called concurrently from JMX
 * connector threads.
 */
public interface TreeKillerBackend extends TreeKillerMXBean {
    /**
     * Sets the one listener to call, on the killing thread, for EVERY kill whose wait timed out
     * (instrumented or JMX); null removes it. The MBean's listener is thread-safe and only queues.
     */
    void setTimeoutListener(Consumer<KillReport> listener);
}
